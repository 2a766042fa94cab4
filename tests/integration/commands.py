#!/usr/bin/python3
"""The external commands glass's tests and scripts run.

    commands.py SRC        prints "COMMAND FILE:LINE" for each first use

Reads the shell scripts (tests/, scripts/, bench/, .ci/run), the Makefile's
recipes and the Python helpers' subprocess calls, and prints each program
they run: the first word of every simple command (after |, ;, &&, ||, $(,
`, (, and the keywords that start a command), past variable assignments
and wrappers (env, timeout N, exec, command, nice, setsid, nsenter ... --,
sudo).  Shell builtins, keywords and the functions the files define are
not programs; heredoc bodies (data, or code for another interpreter) are
skipped.  t-deps.sh checks that each program comes from a package
scripts/install-deps.sh installs.
"""
import glob
import os
import re
import sys

BUILTINS = set("""
. : [ [[ ]] alias bg bind break builtin caller case cd command compgen complete compopt
continue coproc declare dirs disown do done echo elif else enable esac eval exec exit
export false fc fg fi for function getopts hash help history if in jobs kill let local
logout mapfile popd printf pushd pwd read readarray readonly return select set shift
shopt source suspend test then time times trap true type typeset ulimit umask unalias
unset until wait while { } ! ((
""".split())
# Wrappers whose own first argument(s) are not the program they run.
WRAPPERS = {"env", "exec", "command", "nice", "nohup", "setsid", "sudo", "timeout", "stdbuf",
            "unshare", "nsenter", "chroot", "setpriv", "ip", "xargs", "script", "flock",
            "taskset", "chrt", "ionice", "prlimit", "strace", "su", "runuser", "tail"}
KEYWORDS = {"then", "do", "else", "elif", "if", "while", "until", "!", "time", "{", "(", "in"}
NAME = re.compile(r"^(/(usr/)?s?bin/[\w.+-]+|[A-Za-z0-9_][\w.+-]*)$")


def tidy(line):
    """The parts of a line that are not commands made harmless: case
    patterns, array assignments, [[ ]] tests."""
    line = re.sub(r"\[\[.*?\]\]", "[[ ]]", line)
    line = re.sub(r"\+?=\([^()]*\)", "=A", line)
    line = re.sub(r"(\bin|;;|;&)\s+[^;()$]*?\)", r"\1 ", line)
    line = re.sub(r"^\s*[^\s()$=][^()$=]*?\)(\s|$)", " ", line)
    return line


def strip_comment(line):
    """The line without its # comment (quote-aware)."""
    q = None
    prev = " "
    for i, c in enumerate(line):
        if q:
            if c == q and (q == "'" or prev != "\\"):
                q = None
        elif c in "'\"":
            q = c
        elif c == "#" and (prev in " \t;|&(" or i == 0):
            return line[:i]
        prev = c
    return line


def segments(text):
    """The simple commands of a logical line: quote-aware split at
    operators; the insides of $(...) and `...` are commands too.  A $(
    opens a new quoting context (its quotes nest inside the outer "..."),
    which its matching ) closes."""
    out, cur, q, i = [], "", None, 0
    stack = []  # per open $(...): [quote outside it, open ( inside it]
    while i < len(text):
        c = text[i]
        two = text[i:i + 2]
        if q == "'":
            cur += c
            if c == "'":
                q = None
        elif two == "$(":
            out.append(cur)
            stack.append([q, 0])
            cur, q, i = "", None, i + 2
            continue
        elif q == '"':
            if c == '"' and text[i - 1] != "\\":
                q = None
            cur += c
        elif c in "'\"":
            q = c
            cur += c
        elif c == "(" and stack:
            stack[-1][1] += 1
            out.append(cur)
            cur = ""
        elif c == ")" and stack and stack[-1][1] == 0:
            out.append(cur)
            q = stack.pop()[0]
            # the rest of the outer command is not a new command: a
            # word no program name can be stands in for the $(...)
            cur = "=" if q else ""
        elif c == ")" and stack:
            stack[-1][1] -= 1
            out.append(cur)
            cur = ""
        elif two in ("&&", "||"):
            out.append(cur)
            cur, i = "", i + 2
            continue
        elif c in ";|&()`\n" and two != "|&":
            out.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    out.append(cur)
    return out


def words(seg):
    # a quote still open is one word to the end (its $(...) was cut off)
    return re.findall(r"(?:\"[^\"]*\"|\"[^\"]*$|'[^']*'|\$\{[^}]*\}|[^\s\"'])+", seg)


def program(seg, functions):
    """The program a simple command runs, or None."""
    w = words(seg)
    while w:
        first = w[0]
        if first in KEYWORDS or re.match(r"^[A-Za-z_]\w*(\[[^]]*\])?=", first) or first.startswith(("<", ">", "2>", "&>")):
            w = w[1:]
            continue
        if first in ("case", "for", "select", "function", "esac", "done", "fi", "}", "]]", "))"):
            return None
        break
    if not w:
        return None
    first = w[0]
    if not NAME.match(first) or first in BUILTINS or first in functions or first.isdigit():
        return None
    if first.endswith(")"):
        return None
    return first


def wrapped(seg, functions):
    """Programs a wrapper runs: `timeout 10 foo`, `env X=1 foo`, `nsenter --net=P foo`;
    and the programs a script looks for: `need_cmd foo`, `command -v foo`."""
    w = words(seg)
    found = []
    for i, x in enumerate(w[:-1]):
        if (x == "need_cmd" or (x == "-v" and i > 0 and w[i - 1] == "command")) and NAME.match(w[i + 1]):
            found.append(w[i + 1])
    while w and (w[0] in KEYWORDS or re.match(r"^[A-Za-z_]\w*=", w[0])):
        w = w[1:]
    while w and w[0] in WRAPPERS and w[0] not in ("ip", "tail", "script", "xargs", "su", "runuser"):
        w = w[1:]
        while w and (w[0].startswith("-") or re.match(r"^[0-9.]+[smhd]?$", w[0]) or re.match(r"^[A-Za-z_]\w*=", w[0])):
            # an option's value: unshare --propagation private CMD
            if w[0] in ("--propagation", "-u", "--user", "-g", "--group", "-k", "--kill-after", "-s", "--signal", "-n", "--adjustment") and len(w) > 1:
                w = w[1:]
            w = w[1:]
        if w and NAME.match(w[0]) and w[0] not in BUILTINS and w[0] not in functions:
            found.append(w[0])
    return found


def open_quote(text):
    """The quote still open at the end of `text`, or None."""
    q, prev = None, " "
    for c in text:
        if q:
            if c == q and (q == "'" or prev != "\\"):
                q = None
        elif c in "'\"" and prev != "\\":
            q = c
        prev = c
    return q


def shell_lines(path):
    """(line number, logical line) of a shell file: continued and quoted
    newlines joined, heredoc bodies skipped, (( )) arithmetic dropped."""
    lines = open(path, errors="replace").read().split("\n")
    i, out = 0, []
    while i < len(lines):
        n, line = i + 1, strip_comment(lines[i])
        while (line.rstrip().endswith("\\") or open_quote(line)) and i + 1 < len(lines):
            i += 1
            if line.rstrip().endswith("\\") and not open_quote(line):
                line = line.rstrip()[:-1] + " " + strip_comment(lines[i])
            else:
                line = line + " " + lines[i]
        line = re.sub(r"\$?\(\([^()]*(\([^()]*\)[^()]*)*\)\)", " ", line)
        out.append((n, line))
        for m in re.finditer(r"<<-?\s*['\"]?(\w+)['\"]?", line):
            end = m.group(1)
            while i + 1 < len(lines) and lines[i + 1].strip() != end:
                i += 1
            i += 1
        i += 1
    return out


def scan_shell(path, functions, uses, rel):
    for n, line in shell_lines(path):
        for seg in segments(tidy(line)):
            for prog in [program(seg, functions)] + wrapped(seg, functions):
                if prog:
                    uses.setdefault(os.path.basename(prog) if prog.startswith("/usr/") or prog.startswith("/bin/") or prog.startswith("/sbin/") else prog, f"{rel}:{n}")


def main():
    src = sys.argv[1]
    shell = sorted(set(
        glob.glob(f"{src}/tests/**/*.sh", recursive=True) + glob.glob(f"{src}/scripts/*.sh") +
        glob.glob(f"{src}/bench/*.sh") + [f"{src}/.ci/run"]))
    shell = [p for p in shell if "node_modules" not in p and os.path.exists(p)]
    functions = set()
    for p in shell:
        functions.update(re.findall(r"^\s*(?:function\s+)?([\w-]+)\s*\(\)\s*\{?", open(p, errors="replace").read(), re.M))
    uses = {}
    for p in shell:
        scan_shell(p, functions, uses, os.path.relpath(p, src))
    # the Makefile's recipes
    mk = f"{src}/Makefile"
    for n, line in enumerate(open(mk).read().split("\n"), 1):
        if line.startswith("\t"):
            body = re.sub(r"\$\(\w+\)|\$\$\([^)]*\)|@", " ", line.lstrip("\t@-"))
            for seg in segments(strip_comment(body)):
                prog = program(seg, functions)
                if prog:
                    uses.setdefault(prog, f"Makefile:{n}")
    # the Python helpers: subprocess.*(["prog", ...])
    for p in sorted(glob.glob(f"{src}/tests/**/*.py", recursive=True) + glob.glob(f"{src}/scripts/*.py")):
        text = open(p, errors="replace").read()
        for m in re.finditer(r"subprocess\.\w+\(\s*\[\s*[\"']([\w./+-]+)[\"']", text):
            uses.setdefault(os.path.basename(m.group(1)), f"{os.path.relpath(p, src)}:{text[:m.start()].count(chr(10)) + 1}")
    for prog in sorted(uses):
        print(prog, uses[prog])


if __name__ == "__main__":
    main()
