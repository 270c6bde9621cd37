# node-gyp build of the native convolution kernels (aw_conv.c), run by scripts/build-native.mjs.
# OpenBLAS is linked statically (Debian: libopenblas-dev), so the addon needs nothing at run time.
{
  "targets": [
    {
      "target_name": "aw_conv",
      "sources": ["aw_conv.c"],
      "include_dirs": ["<!(node -p \"process.env.AW_OPENBLAS_INCLUDE\")"],
      "libraries": ["<!(node -p \"process.env.AW_OPENBLAS_LIB\")", "-lpthread", "-lm"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "ldflags": ["-Wl,--exclude-libs,ALL", "-Wl,--gc-sections", "-s"]
    }
  ]
}
