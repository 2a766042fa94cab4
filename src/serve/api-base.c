/* api-base: /_ping, /version and /info, what a client asks first.
 *
 * The docker CLI pings before its first request and takes the
 * API-Version header as the version to speak (version negotiation); it
 * then prefixes every path with /v1.41 (api-router.c strips it). */
#include "api.h"
#include "ctr.h"
#include "util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

static enum MHD_Result ping(struct api_req *r)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(2, "OK", MHD_RESPMEM_PERSISTENT);
	api_add_headers(resp);
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-cache, no-store, must-revalidate");
	MHD_add_response_header(resp, "Pragma", "no-cache");
	MHD_add_response_header(resp, "Builder-Version", "1");
	enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static const char *arch(void)
{
	static struct utsname u;
	uname(&u);
	return strcmp(u.machine, "x86_64") == 0    ? "amd64"
	       : strcmp(u.machine, "aarch64") == 0 ? "arm64"
	                                           : u.machine;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static enum MHD_Result version(struct api_req *r)
{
	struct json_object *o = json_object_new_object(), *comps = json_object_new_array(),
	                   *eng = json_object_new_object();
	struct utsname u;
	uname(&u);
	add_str(eng, "Name", "Engine");
	add_str(eng, "Version", "0.1.0");
	json_object_array_add(comps, eng);
	json_object_object_add(o, "Platform", json_object_new_object());
	add_str(json_object_object_get(o, "Platform"), "Name", "glass");
	json_object_object_add(o, "Components", comps);
	add_str(o, "Version", "0.1.0");
	add_str(o, "ApiVersion", API_VERSION);
	add_str(o, "MinAPIVersion", API_MIN_VERSION);
	add_str(o, "GitCommit", "");
	add_str(o, "GoVersion", "");
	add_str(o, "Os", "linux");
	add_str(o, "Arch", arch());
	add_str(o, "KernelVersion", u.release);
	return api_reply_json(r, 200, o);
}

static void count_containers(struct json_object *o)
{
	struct ctr **list = NULL;
	size_t n = 0, run = 0, paused = 0;
	struct glass_err *err = NULL;
	if (ctr_list_all(&list, &n, &err) < 0)
		glass_err_free(&err);
	for (size_t i = 0; i < n; i++) {
		run += list[i]->st.status == CTR_RUNNING || list[i]->st.status == CTR_RESTARTING;
		paused += list[i]->st.status == CTR_PAUSED;
	}
	ctr_list_free(list, n);
	json_object_object_add(o, "Containers", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "ContainersRunning", json_object_new_int64((int64_t)run));
	json_object_object_add(o, "ContainersPaused", json_object_new_int64((int64_t)paused));
	json_object_object_add(o, "ContainersStopped",
	                       json_object_new_int64((int64_t)(n - run - paused)));
}

static int64_t count_images(void)
{
	struct glass_store *s = NULL;
	struct glass_store_entry *e = NULL;
	struct glass_err *err = NULL;
	size_t n = 0;
	if (engine_store_open(false, &s, &err) < 0 || glass_store_list(s, &e, &n, &err) < 0)
		glass_err_free(&err);
	glass_store_entries_free(e, n);
	if (s)
		glass_store_close(s);
	return (int64_t)n;
}

static enum MHD_Result info(struct api_req *r)
{
	struct json_object *o = json_object_new_object();
	struct utsname u;
	struct sysinfo si;
	char host[256] = "";
	uname(&u);
	sysinfo(&si);
	gethostname(host, sizeof(host) - 1);
	count_containers(o);
	json_object_object_add(o, "Images", json_object_new_int64(count_images()));
	add_str(o, "ID", host);
	add_str(o, "Name", host);
	add_str(o, "ServerVersion", "0.1.0");
	add_str(o, "Driver", "overlay");
	add_str(o, "DockerRootDir", engine_root_dir());
	add_str(o, "LoggingDriver", "json-file");
	add_str(o, "CgroupDriver", "cgroupfs");
	add_str(o, "CgroupVersion",
	        access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "2" : "1");
	add_str(o, "KernelVersion", u.release);
	add_str(o, "OperatingSystem", "glass");
	add_str(o, "OSType", "linux");
	add_str(o, "Architecture", u.machine);
	add_str(o, "DefaultRuntime", "glass-runtime");
	json_object_object_add(o, "NCPU", json_object_new_int(get_nprocs()));
	json_object_object_add(o, "MemTotal",
	                       json_object_new_int64((int64_t)si.totalram * si.mem_unit));
	json_object_object_add(o, "Debug", json_object_new_boolean(false));
	json_object_object_add(o, "Labels", json_object_new_array());
	json_object_object_add(o, "Warnings", json_object_new_array());
	return api_reply_json(r, 200, o);
}

const struct api_route api_routes_base[] = {
    {"GET", "/_ping", ping, 0}, {"HEAD", "/_ping", ping, 0}, {"GET", "/version", version, 0},
    {"GET", "/info", info, 0},  {NULL, NULL, NULL, 0},
};
