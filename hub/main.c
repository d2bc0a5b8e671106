/* pcap-broker: captures once, serves the pcap stream to many clients. */
#include <stdlib.h>

#include "hub.h"
#include "log.h"

int main(int argc, char **argv)
{
	static struct hub h;
	int rc = options_parse(&h.opt, argc, argv);

	if (rc >= 0)
		return rc;
	log_setup("pcap-broker", h.opt.debug ? LOG_DEBUG : LOG_INFO, h.opt.json);
	hub_setup(&h);
	return hub_run(&h);
}
