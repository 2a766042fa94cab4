"""Security-context cases of the CRI suite: one container per case, in one
pod per handler (a privileged pod for `privileged`), each running
glass-probe a few times as its own process; the JSON lines of its log are
what the kernel showed it.  Each case checks its own meaning, then glass's
observation is compared with runc's.
"""
import json

import cri

P = "/usr/bin/glass-probe"
# Default masked and read-only paths, as kubelet sends them.
MASKED = ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
          "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]
READONLY = ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


def caps_of(obs):
    return obs[0]["caps"]


def tries(obs, i=1):
    t = obs[i]
    return {x["call"]: x["errname"] for x in t.get("tries", [t])}


def sc(**kw):
    R = cri.pb
    for k in ("run_as_user", "run_as_group"):
        if k in kw:
            kw[k] = R.Int64Value(value=kw[k])
    if "caps" in kw:
        add, drop = kw.pop("caps")
        kw["capabilities"] = R.Capability(add_capabilities=add, drop_capabilities=drop)
    for k in ("seccomp", "apparmor"):
        if k in kw:
            kw[k] = R.SecurityProfile(profile_type=getattr(R.SecurityProfile, kw[k]))
    kw.setdefault("masked_paths", MASKED)
    kw.setdefault("readonly_paths", READONLY)
    return R.LinuxContainerSecurityContext(**kw)


def check_caps(want):
    def f(o):
        c = caps_of(o)
        got = {k: c[k] for k in ("permitted", "effective", "bounding")}
        return all(sorted(v) == sorted(want) for v in got.values()), json.dumps(got)
    return f


# name -> (security context kwargs, shell lines, check(obs) -> (ok, diag), issue making it fail)
CASES = {
    "default": ({}, [P],
                lambda o: (len(caps_of(o)["effective"]) == 14 and o[0]["status"]["Seccomp"] == 0, ""), None),
    "runAsUser": ({"run_as_user": 1000, "run_as_group": 1000, "supplemental_groups": [2000]},
                  [P + " --only ids,env,status"],
                  lambda o: ((o[0]["uid"], o[0]["euid"], o[0]["gid"], sorted(o[0]["groups"])) == (1000, 1000, 1000, [1000, 2000])
                             and o[0]["status"]["CapEff"] == "0000000000000000", json.dumps(o[0])), None),
    "readOnlyRootfs": ({"readonly_rootfs": True},
                       [P + " --only mounts", P + " try open-write /newfile open-write /dev/shm/x"],
                       lambda o: ([x["errname"] for x in o[1]["tries"]] == ["EROFS", None], json.dumps(o[1])), None),
    "capabilities add/drop": ({"caps": (["NET_ADMIN", "SYS_TIME"], ["CHOWN", "MKNOD"])},
                              [P + " --only status", P + " try mknod /tmp/null"],
                              lambda o: ("CAP_NET_ADMIN" in caps_of(o)["effective"] and "CAP_SYS_TIME" in caps_of(o)["bounding"]
                                         and "CAP_CHOWN" not in caps_of(o)["bounding"] and tries(o)["mknod"] == "EPERM",
                                         json.dumps(caps_of(o)) + json.dumps(o[1])), None),
    "drop ALL": ({"caps": ([], ["ALL"])}, [P + " --only status"], check_caps([]), None),
    "drop ALL, add NET_BIND_SERVICE": ({"caps": (["NET_BIND_SERVICE"], ["ALL"])}, [P + " --only status"],
                                       check_caps(["CAP_NET_BIND_SERVICE"]), None),
    "seccomp RuntimeDefault": ({"seccomp": "RuntimeDefault"},
                               [P + " --only status", P + " try keyctl unshare-user ptrace"],
                               lambda o: (o[0]["status"]["Seccomp"] == 2 and tries(o)["keyctl"] == "EPERM"
                                          and tries(o)["unshare-user"] == "EPERM", json.dumps(o)), None),
    "seccomp Unconfined": ({"seccomp": "Unconfined"},
                           [P + " --only status", P + " try keyctl"],
                           lambda o: (o[0]["status"]["Seccomp"] == 0 and tries(o)["keyctl"] != "EPERM", json.dumps(o)), None),
    "noNewPrivs": ({"no_new_privs": True}, [P + " --only status"],
                   lambda o: (o[0]["status"]["NoNewPrivs"] == 1, json.dumps(o[0])), None),
    "masked and read-only paths": (
        {"masked_paths": ["/proc/timer_list", "/proc/keys", "/sys/firmware", "/etc/hostname"],
         "readonly_paths": ["/proc/sys", "/proc/sysrq-trigger", "/etc/hosts"]},
        [P + " --only mounts", P + " cat /proc/keys", P + " cat /etc/hostname", P + " ls /sys/firmware",
         P + " try open-write /proc/sys/kernel/domainname open-write /etc/hosts open-read /proc/timer_list"],
        lambda o: (o[1].get("content") == "" and o[2].get("content") == "" and o[3].get("entries") == []
                   and [x["errname"] for x in o[4]["tries"]] == ["EROFS", "EROFS", None], json.dumps(o[1:])), None),
}
PRIVILEGED = ({"privileged": True, "masked_paths": [], "readonly_paths": []},
              [P + " --only status,mounts", P + " ls /dev", P + " try mknod /tmp/null mount"],
              lambda o: (o[0]["status"]["Seccomp"] == 0 and "CAP_SYS_ADMIN" in caps_of(o)["effective"]
                         and any(m["target"] == "/sys" and m["options"].startswith("rw") for m in o[0]["mounts"])
                         and [x["errname"] for x in o[2]["tries"]] == [None, None], json.dumps(o[2])), None)


def script(lines):
    return ["sh", "-c", "; ".join(lines)]


def run_cases(ctx, h):
    """Starts every case's container for handler h; returns
    {case: (pod uid, container id)} once all have exited."""
    c = ctx.c
    cfg = c.pod_config("sec-" + h, hostname="sec", labels={"handler": h, "role": "sec"})
    pod = c.run_pod(h, cfg)
    pcfg = c.pod_config("priv-" + h, hostname="priv", labels={"handler": h, "role": "priv"})
    pcfg.linux.security_context.privileged = True
    ppod = c.run_pod(h, pcfg)
    started = {}
    for i, (name, (kw, lines, _, _)) in enumerate(list(CASES.items()) + [("privileged", PRIVILEGED)]):
        target, tcfg = (ppod, pcfg) if name == "privileged" else (pod, cfg)
        ccfg = c.container_config("sec%d" % i, script(lines), security=sc(**kw))
        try:
            cid = c.run(target, ccfg)
        except Exception as e:
            started[name] = (tcfg.metadata.uid, None, e)
            continue
        started[name] = (tcfg.metadata.uid, cid, None)
    for name, (_, cid, _) in started.items():
        if cid:
            c.wait_exit(cid, 30)
    return [pod, ppod], started


def observe(ctx, cid):
    st = ctx.c.status(cid)
    lines = [t for _, s, t in cri.parse_log(st.log_path) if s == "stdout"]
    return st.exit_code, [json.loads(l) for l in lines], ctx.c.log(cid, "stderr")


def check(ctx, started):
    """Per handler: each case's own check.  Returns {case: {handler: obs}}."""
    import tap as tapmod
    all_obs = {}
    for h, cases in started.items():
        for name, (uid, cid, exc) in cases.items():
            title = "%s: securityContext %s" % (h, name)
            _, _, chk, issue = PRIVILEGED if name == "privileged" else CASES[name]
            if exc is not None:
                ctx.tap.fail_exc(title + ": the container starts", exc)
                continue
            try:
                code, obs, err = observe(ctx, cid)
                ok, diag = chk(obs)
            except Exception as e:
                ctx.tap.fail_exc(title, e)
                continue
            if issue and h == "glass":
                ctx.tap.todo(title, ok, issue, diag)
            else:
                ctx.tap.ok(title, ok, diag + ("\nstderr: " + err if err else ""))
            subst = {ctx.env.d: "<dir>", uid: "<pod>"}
            all_obs.setdefault(name, {})[h] = ([tapmod.norm_probe(o, subst) for o in obs], issue)
    return all_obs
