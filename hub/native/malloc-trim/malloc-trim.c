// Gives glibc's freed malloc memory back to the OS (issue #21, hub memory at fleet scale).
// free() returns memory to the kernel only from the top of the brk heap; after a burst of work
// the hub's heap keeps tens of MB free in 100 KiB-1 MiB holes below live blocks (50 MB at
// 10,000 boards), resident until reused. malloc_trim(0) madvises those holes' whole pages away
// in every arena. Node has no binding for it, so this Node-API addon is the hub's, loaded by
// hub/malloc-trim.ts; built by scripts/build-malloc-trim.mjs at `npm ci` on Linux with glibc
// only (the agent bundle never loads it).
#include <malloc.h>
#include <node_api.h>

// trim(): true when malloc_trim released some memory.
static napi_value Trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  if (napi_get_boolean(env, malloc_trim(0) == 1, &result) != napi_ok) return NULL;
  return result;
}

static int SetNumber(napi_env env, napi_value obj, const char* name, double value) {
  napi_value v;
  return napi_create_double(env, value, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

// stats(): {arenaBytes, freeBytes} from mallinfo2 (glibc 2.33+): what malloc holds from the
// OS outside its own mmaps, and how much of it is free; undefined on an older glibc.
static napi_value Stats(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
  struct mallinfo2 mi = mallinfo2();
  if (napi_create_object(env, &result) != napi_ok) return NULL;
  if (!SetNumber(env, result, "arenaBytes", (double)mi.arena)) return NULL;
  if (!SetNumber(env, result, "freeBytes", (double)mi.fordblks)) return NULL;
#else
  if (napi_get_undefined(env, &result) != napi_ok) return NULL;
#endif
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"trim", NULL, Trim, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, Stats, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, 2, props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
