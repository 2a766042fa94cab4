/* lazy-mhd: libmicrohttpd: the HTTP server of the lab and of `glass serve`, loaded at its first
 * call (lazy.h). Include this instead of the library's header: each function below is then a slot
 * of the table, filled by dlopen(3) of the library. */
#ifndef GLASS_LAZY_MHD_H
#define GLASS_LAZY_MHD_H

#include "lazy.h"

#include <microhttpd.h>

#define GLASS_MHD_FNS(X)                                                                           \
	X(MHD_add_response_header)                                                                 \
	X(MHD_create_response_from_buffer)                                                         \
	X(MHD_create_response_from_callback)                                                       \
	X(MHD_create_response_for_upgrade)                                                         \
	X(MHD_destroy_response)                                                                    \
	X(MHD_get_connection_info)                                                                 \
	X(MHD_get_connection_values)                                                               \
	X(MHD_lookup_connection_value)                                                             \
	X(MHD_queue_response)                                                                      \
	X(MHD_start_daemon)                                                                        \
	X(MHD_stop_daemon)                                                                         \
	X(MHD_upgrade_action)

GLASS_LAZY_DECLARE(mhd, GLASS_MHD_FNS);

#ifndef GLASS_LAZY_IMPL
#define MHD_add_response_header           (glass_mhd_api()->MHD_add_response_header)
#define MHD_create_response_from_buffer   (glass_mhd_api()->MHD_create_response_from_buffer)
#define MHD_create_response_from_callback (glass_mhd_api()->MHD_create_response_from_callback)
#define MHD_destroy_response              (glass_mhd_api()->MHD_destroy_response)
#define MHD_get_connection_info           (glass_mhd_api()->MHD_get_connection_info)
#define MHD_get_connection_values         (glass_mhd_api()->MHD_get_connection_values)
#define MHD_lookup_connection_value       (glass_mhd_api()->MHD_lookup_connection_value)
#define MHD_queue_response                (glass_mhd_api()->MHD_queue_response)
#define MHD_start_daemon                  (glass_mhd_api()->MHD_start_daemon)
#define MHD_stop_daemon                   (glass_mhd_api()->MHD_stop_daemon)
#define MHD_create_response_for_upgrade   (glass_mhd_api()->MHD_create_response_for_upgrade)
#define MHD_upgrade_action                (glass_mhd_api()->MHD_upgrade_action)
#endif

#endif
