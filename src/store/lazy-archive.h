/* lazy-archive: libarchive: layers, image archives, cp, loaded at its first call (lazy.h).
 * Include this instead of the library's header: each function below is
 * then a slot of the table, filled by dlopen(3) of the library. */
#ifndef GLASS_LAZY_ARCHIVE_H
#define GLASS_LAZY_ARCHIVE_H

#include "lazy.h"

#include <archive.h>
#include <archive_entry.h>

#define GLASS_ARCHIVE_FNS(X)                                                                       \
	X(archive_entry_atime)                                                                     \
	X(archive_entry_atime_is_set)                                                              \
	X(archive_entry_atime_nsec)                                                                \
	X(archive_entry_filetype)                                                                  \
	X(archive_entry_free)                                                                      \
	X(archive_entry_gid)                                                                       \
	X(archive_entry_hardlink)                                                                  \
	X(archive_entry_mtime)                                                                     \
	X(archive_entry_mtime_nsec)                                                                \
	X(archive_entry_new)                                                                       \
	X(archive_entry_pathname)                                                                  \
	X(archive_entry_perm)                                                                      \
	X(archive_entry_rdev)                                                                      \
	X(archive_entry_set_hardlink)                                                              \
	X(archive_entry_set_pathname)                                                              \
	X(archive_entry_size)                                                                      \
	X(archive_entry_sourcepath)                                                                \
	X(archive_entry_sparse_count)                                                              \
	X(archive_entry_symlink)                                                                   \
	X(archive_entry_uid)                                                                       \
	X(archive_entry_xattr_next)                                                                \
	X(archive_entry_xattr_reset)                                                               \
	X(archive_errno)                                                                           \
	X(archive_error_string)                                                                    \
	X(archive_filter_count)                                                                    \
	X(archive_filter_name)                                                                     \
	X(archive_read_close)                                                                      \
	X(archive_read_data)                                                                       \
	X(archive_read_data_block)                                                                 \
	X(archive_read_disk_descend)                                                               \
	X(archive_read_disk_new)                                                                   \
	X(archive_read_disk_open)                                                                  \
	X(archive_read_disk_set_behavior)                                                          \
	X(archive_read_disk_set_standard_lookup)                                                   \
	X(archive_read_disk_set_symlink_hybrid)                                                    \
	X(archive_read_disk_set_symlink_physical)                                                  \
	X(archive_read_free)                                                                       \
	X(archive_read_new)                                                                        \
	X(archive_read_next_header)                                                                \
	X(archive_read_next_header2)                                                               \
	X(archive_read_open)                                                                       \
	X(archive_read_open_fd)                                                                    \
	X(archive_read_support_filter_all)                                                         \
	X(archive_read_support_format_gnutar)                                                      \
	X(archive_read_support_format_raw)                                                         \
	X(archive_read_support_format_tar)                                                         \
	X(archive_set_error)                                                                       \
	X(archive_write_close)                                                                     \
	X(archive_write_data)                                                                      \
	X(archive_write_data_block)                                                                \
	X(archive_write_disk_new)                                                                  \
	X(archive_write_disk_set_options)                                                          \
	X(archive_write_finish_entry)                                                              \
	X(archive_write_free)                                                                      \
	X(archive_write_header)                                                                    \
	X(archive_write_new)                                                                       \
	X(archive_write_open2)                                                                     \
	X(archive_write_open_fd)                                                                   \
	X(archive_write_open_filename)                                                             \
	X(archive_write_set_bytes_in_last_block)                                                   \
	X(archive_write_set_format_pax_restricted)

GLASS_LAZY_DECLARE(archive, GLASS_ARCHIVE_FNS);

#ifndef GLASS_LAZY_IMPL
#define archive_entry_atime            (glass_archive_api()->archive_entry_atime)
#define archive_entry_atime_is_set     (glass_archive_api()->archive_entry_atime_is_set)
#define archive_entry_atime_nsec       (glass_archive_api()->archive_entry_atime_nsec)
#define archive_entry_filetype         (glass_archive_api()->archive_entry_filetype)
#define archive_entry_free             (glass_archive_api()->archive_entry_free)
#define archive_entry_gid              (glass_archive_api()->archive_entry_gid)
#define archive_entry_hardlink         (glass_archive_api()->archive_entry_hardlink)
#define archive_entry_mtime            (glass_archive_api()->archive_entry_mtime)
#define archive_entry_mtime_nsec       (glass_archive_api()->archive_entry_mtime_nsec)
#define archive_entry_new              (glass_archive_api()->archive_entry_new)
#define archive_entry_pathname         (glass_archive_api()->archive_entry_pathname)
#define archive_entry_perm             (glass_archive_api()->archive_entry_perm)
#define archive_entry_rdev             (glass_archive_api()->archive_entry_rdev)
#define archive_entry_set_hardlink     (glass_archive_api()->archive_entry_set_hardlink)
#define archive_entry_set_pathname     (glass_archive_api()->archive_entry_set_pathname)
#define archive_entry_size             (glass_archive_api()->archive_entry_size)
#define archive_entry_sourcepath       (glass_archive_api()->archive_entry_sourcepath)
#define archive_entry_sparse_count     (glass_archive_api()->archive_entry_sparse_count)
#define archive_entry_symlink          (glass_archive_api()->archive_entry_symlink)
#define archive_entry_uid              (glass_archive_api()->archive_entry_uid)
#define archive_entry_xattr_next       (glass_archive_api()->archive_entry_xattr_next)
#define archive_entry_xattr_reset      (glass_archive_api()->archive_entry_xattr_reset)
#define archive_errno                  (glass_archive_api()->archive_errno)
#define archive_error_string           (glass_archive_api()->archive_error_string)
#define archive_filter_count           (glass_archive_api()->archive_filter_count)
#define archive_filter_name            (glass_archive_api()->archive_filter_name)
#define archive_read_close             (glass_archive_api()->archive_read_close)
#define archive_read_data              (glass_archive_api()->archive_read_data)
#define archive_read_data_block        (glass_archive_api()->archive_read_data_block)
#define archive_read_disk_descend      (glass_archive_api()->archive_read_disk_descend)
#define archive_read_disk_new          (glass_archive_api()->archive_read_disk_new)
#define archive_read_disk_open         (glass_archive_api()->archive_read_disk_open)
#define archive_read_disk_set_behavior (glass_archive_api()->archive_read_disk_set_behavior)
#define archive_read_disk_set_standard_lookup                                                      \
	(glass_archive_api()->archive_read_disk_set_standard_lookup)
#define archive_read_disk_set_symlink_hybrid                                                       \
	(glass_archive_api()->archive_read_disk_set_symlink_hybrid)
#define archive_read_disk_set_symlink_physical                                                     \
	(glass_archive_api()->archive_read_disk_set_symlink_physical)
#define archive_read_free                  (glass_archive_api()->archive_read_free)
#define archive_read_new                   (glass_archive_api()->archive_read_new)
#define archive_read_next_header           (glass_archive_api()->archive_read_next_header)
#define archive_read_next_header2          (glass_archive_api()->archive_read_next_header2)
#define archive_read_open                  (glass_archive_api()->archive_read_open)
#define archive_read_open_fd               (glass_archive_api()->archive_read_open_fd)
#define archive_read_support_filter_all    (glass_archive_api()->archive_read_support_filter_all)
#define archive_read_support_format_gnutar (glass_archive_api()->archive_read_support_format_gnutar)
#define archive_read_support_format_raw    (glass_archive_api()->archive_read_support_format_raw)
#define archive_read_support_format_tar    (glass_archive_api()->archive_read_support_format_tar)
#define archive_set_error                  (glass_archive_api()->archive_set_error)
#define archive_write_close                (glass_archive_api()->archive_write_close)
#define archive_write_data                 (glass_archive_api()->archive_write_data)
#define archive_write_data_block           (glass_archive_api()->archive_write_data_block)
#define archive_write_disk_new             (glass_archive_api()->archive_write_disk_new)
#define archive_write_disk_set_options     (glass_archive_api()->archive_write_disk_set_options)
#define archive_write_finish_entry         (glass_archive_api()->archive_write_finish_entry)
#define archive_write_free                 (glass_archive_api()->archive_write_free)
#define archive_write_header               (glass_archive_api()->archive_write_header)
#define archive_write_new                  (glass_archive_api()->archive_write_new)
#define archive_write_open2                (glass_archive_api()->archive_write_open2)
#define archive_write_open_fd              (glass_archive_api()->archive_write_open_fd)
#define archive_write_open_filename        (glass_archive_api()->archive_write_open_filename)
#define archive_write_set_bytes_in_last_block                                                      \
	(glass_archive_api()->archive_write_set_bytes_in_last_block)
#define archive_write_set_format_pax_restricted                                                    \
	(glass_archive_api()->archive_write_set_format_pax_restricted)
#endif

#endif
