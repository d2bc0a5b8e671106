/* -view and PCAP_BROKER_VIEW_<NAME>: the user's views, parsed and checked
 * at start-up (syntax in view.h and docs/views.md). */
#ifndef PCAP_BROKER_VIEW_OPTIONS_H
#define PCAP_BROKER_VIEW_OPTIONS_H

struct options;

/* Each returns -1 to go on, or EXIT_USAGE after a one-line error naming the
 * view, like options.c's setters. */

/* One -view 'NAME: key=value; ...' (spec is kept and cut up). */
int view_options_flag(struct options *o, char *spec);
/* Every PCAP_BROKER_VIEW_<NAME>='key=value; ...' of the environment. */
int view_options_env(struct options *o);

#endif
