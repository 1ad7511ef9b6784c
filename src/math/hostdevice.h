// gemmvec: the __host__ __device__ marker, empty when a plain C++ compiler builds the code.
#pragma once
#if defined(__CUDACC__)
#define GV_HD __host__ __device__ __forceinline__
#else
#define GV_HD inline
#endif
