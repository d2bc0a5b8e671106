#include "libpcap_dl.h"

#include <dlfcn.h>
#include <stdio.h>

/* The runtime package's soname (Debian's libpcap0.8). */
#define LIBPCAP_SONAME "libpcap.so.0.8"

static void *sym(void *lib, const char *name, int *missing)
{
	void *p = dlsym(lib, name);

	*missing |= !p;
	return p;
}

const struct libpcap *libpcap_load(char *err, size_t len)
{
	static struct libpcap api;
	static int loaded;
	int missing = 0;

	if (loaded)
		return &api;
	void *lib = dlopen(LIBPCAP_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(err, len, "cannot load %s: %s", LIBPCAP_SONAME, dlerror());
		return NULL;
	}
	api.fopen_offline = (pcap_t * (*)(FILE *, char *))sym(lib, "pcap_fopen_offline", &missing);
	api.compile = (int (*)(pcap_t *, struct bpf_program *, const char *, int, bpf_u_int32))
		sym(lib, "pcap_compile", &missing);
	api.offline_filter = (int (*)(const struct bpf_program *, const struct pcap_pkthdr *, const u_char *))
		sym(lib, "pcap_offline_filter", &missing);
	api.freecode = (void (*)(struct bpf_program *))sym(lib, "pcap_freecode", &missing);
	api.close = (void (*)(pcap_t *))sym(lib, "pcap_close", &missing);
	api.geterr = (char *(*)(pcap_t *))sym(lib, "pcap_geterr", &missing);
	api.lib_version = (const char *(*)(void))sym(lib, "pcap_lib_version", &missing);
	if (missing) {
		snprintf(err, len, "%s lacks a function the helper needs", LIBPCAP_SONAME);
		return NULL;
	}
	loaded = 1;
	return &api;
}

const char *libpcap_version(void)
{
	static char err[256];
	const struct libpcap *api = libpcap_load(err, sizeof(err));

	return api ? api->lib_version() : err;
}
