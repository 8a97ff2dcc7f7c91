# The hub's malloc_trim addon (malloc-trim.c): Linux with glibc only; elsewhere no target, and
# hub/malloc-trim.ts finds no addon and the hub runs without it.
{
  "targets": [],
  "conditions": [
    ["OS=='linux'", {
      "targets": [
        {
          "target_name": "malloc_trim",
          "sources": ["malloc-trim.c"],
          "cflags": ["-O2", "-Wall", "-Wextra"],
          "defines": ["NAPI_VERSION=8"]
        }
      ]
    }]
  ]
}
