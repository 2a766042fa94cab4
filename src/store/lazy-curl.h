/* lazy-curl: libcurl: the registry client (pull), loaded at its first call (lazy.h).
 * Include this instead of the library's header: each function below is
 * then a slot of the table, filled by dlopen(3) of the library. */
#ifndef GLASS_LAZY_CURL_H
#define GLASS_LAZY_CURL_H

#include "lazy.h"

#include <curl/curl.h>

#define GLASS_CURL_FNS(X)                                                                          \
	X(curl_easy_cleanup)                                                                       \
	X(curl_easy_escape)                                                                        \
	X(curl_easy_getinfo)                                                                       \
	X(curl_easy_init)                                                                          \
	X(curl_easy_perform)                                                                       \
	X(curl_easy_setopt)                                                                        \
	X(curl_easy_strerror)                                                                      \
	X(curl_free)                                                                               \
	X(curl_global_init)                                                                        \
	X(curl_multi_add_handle)                                                                   \
	X(curl_multi_cleanup)                                                                      \
	X(curl_multi_info_read)                                                                    \
	X(curl_multi_init)                                                                         \
	X(curl_multi_perform)                                                                      \
	X(curl_multi_poll)                                                                         \
	X(curl_multi_remove_handle)                                                                \
	X(curl_slist_append)                                                                       \
	X(curl_slist_free_all)

GLASS_LAZY_DECLARE(curl, GLASS_CURL_FNS);

#ifndef GLASS_LAZY_IMPL
#undef curl_easy_setopt  /* curl's type-checking macro: the call goes to the slot */
#undef curl_easy_getinfo /* curl's type-checking macro: the call goes to the slot */
#define curl_easy_cleanup        (glass_curl_api()->curl_easy_cleanup)
#define curl_easy_escape         (glass_curl_api()->curl_easy_escape)
#define curl_easy_getinfo        (glass_curl_api()->curl_easy_getinfo)
#define curl_easy_init           (glass_curl_api()->curl_easy_init)
#define curl_easy_perform        (glass_curl_api()->curl_easy_perform)
#define curl_easy_setopt         (glass_curl_api()->curl_easy_setopt)
#define curl_easy_strerror       (glass_curl_api()->curl_easy_strerror)
#define curl_free                (glass_curl_api()->curl_free)
#define curl_global_init         (glass_curl_api()->curl_global_init)
#define curl_multi_add_handle    (glass_curl_api()->curl_multi_add_handle)
#define curl_multi_cleanup       (glass_curl_api()->curl_multi_cleanup)
#define curl_multi_info_read     (glass_curl_api()->curl_multi_info_read)
#define curl_multi_init          (glass_curl_api()->curl_multi_init)
#define curl_multi_perform       (glass_curl_api()->curl_multi_perform)
#define curl_multi_poll          (glass_curl_api()->curl_multi_poll)
#define curl_multi_remove_handle (glass_curl_api()->curl_multi_remove_handle)
#define curl_slist_append        (glass_curl_api()->curl_slist_append)
#define curl_slist_free_all      (glass_curl_api()->curl_slist_free_all)
#endif

#endif
