/*
 * An LD_PRELOAD shim for lab/adapters/freeradius_adapter.py: radiusd
 * (FreeRADIUS 3.2, src/main/modules.c, fr_dlopenext()) opens its modules
 * with RTLD_DEEPBIND, so rlm_totp's time() binds to libc's own before
 * libfaketime's, which LD_PRELOAD places in the global scope only: the
 * module would read the real clock while the server around it reads the
 * faked one. This dlopen() clears that one flag and changes nothing else,
 * so rlm_totp reads the clock the adapter sets for each request.
 *
 * lab/setup.sh builds it into lab/.venv/lib/skewsim-nodeepbind.so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

void *
dlopen (const char *file, int mode)
{
  static void *(*real) (const char *, int);

  if (!real)
    real = (void *(*)(const char *, int)) dlsym (RTLD_NEXT, "dlopen");
  if (!real)
    return NULL;
  return real (file, mode & ~RTLD_DEEPBIND);
}
