#include "resolve.h"

#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Past this many lookups in flight, log without a name rather than pile up
 * threads behind a dead resolver. */
#define MAX_LOOKUPS 32

struct lookup {
	uint64_t id;
	char addr[80];
	struct sockaddr_storage peer;
};

static atomic_int in_flight;

static void log_line(uint64_t id, const char *addr, const char *host)
{
	log_info("client connected", "id=%llu addr=%s host=%s", (unsigned long long)id, addr, host);
}

static void *lookup_main(void *arg)
{
	struct lookup *l = arg;
	char host[NI_MAXHOST];

	if (getnameinfo((struct sockaddr *)&l->peer, sizeof(l->peer), host, sizeof(host),
			NULL, 0, NI_NAMEREQD) != 0)
		strcpy(host, "-");
	log_line(l->id, l->addr, host);
	free(l);
	atomic_fetch_sub(&in_flight, 1);
	return NULL;
}

void log_connect(uint64_t id, const char *addr, const struct sockaddr_storage *peer, int lookup)
{
	pthread_attr_t attr;
	pthread_t t;
	struct lookup *l;

	if (!lookup || !peer || atomic_fetch_add(&in_flight, 1) >= MAX_LOOKUPS) {
		if (lookup && peer)
			atomic_fetch_sub(&in_flight, 1);
		log_line(id, addr, "-");
		return;
	}
	l = malloc(sizeof(*l));
	if (l) {
		l->id = id;
		strncpy(l->addr, addr, sizeof(l->addr) - 1);
		l->addr[sizeof(l->addr) - 1] = '\0';
		l->peer = *peer;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 << 10);
		int rc = pthread_create(&t, &attr, lookup_main, l);
		pthread_attr_destroy(&attr);
		if (rc == 0)
			return;
		free(l);
	}
	atomic_fetch_sub(&in_flight, 1);
	log_line(id, addr, "-");
}
