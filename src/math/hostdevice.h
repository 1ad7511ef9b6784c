// gemmvec: the __host__ __device__ marker, empty when a plain C++ compiler builds the code.
#pragma once
#if defined(__CUDACC__)
#define GV_HD __host__ __device__ __forceinline__
#else
#define GV_HD inline
#endif

// A loop the host build should vectorize (g++ -fopenmp-simd); nothing for nvcc, whose threads
// already run the iterations side by side. GV_HOST_SIMD_SUM(x): with x summed across lanes.
#define GV_PRAGMA(x) _Pragma(#x)
#if defined(__CUDACC__)
#define GV_HOST_SIMD
#define GV_HOST_SIMD_SUM(x)
#else
#define GV_HOST_SIMD GV_PRAGMA(omp simd)
#define GV_HOST_SIMD_SUM(x) GV_PRAGMA(omp simd reduction(+ : x))
#endif
