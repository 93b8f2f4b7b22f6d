{
  "targets": [
    {
      "target_name": "nlkit",
      "sources": ["native/nlkit.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
