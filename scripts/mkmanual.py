#!/usr/bin/python3
"""The manual of glass's programs, made from their --help.

    scripts/mkmanual.py BUILD

The one source of what a program and each of its verbs accept is its
`--help` text (the C code that parses the flags prints it).  From the built
programs this writes, for each program of PROGRAMS that is built:

    BUILD/man/man1/NAME.1             the man page (scdoc), with the prose of
                                      docs/man/NAME.scd around the generated part
    BUILD/completions/bash/NAME       bash completion: verbs and every flag
    BUILD/completions/zsh/_NAME       zsh completion: the same

`make` runs it after the build; `make install` installs the results.  A verb
added to a program's verb table, with its --help, appears in all three with
no other edit.  See docs/manual.md for the --help conventions it reads.
"""
import os
import re
import subprocess
import sys
import tempfile

# name, path under BUILD.  A program not built (yet) is left out.
PROGRAMS = [
    ("glass", "glass"),
    ("glass-runtime", "glass-runtime"),
    ("glass-shim", "glass-shim"),
]

VERBS_HEADER = re.compile(r"^(commands|verbs):\s*$", re.I)
FLAG_LINE = re.compile(r"^\s{1,8}(-[A-Za-z0-9](?:,\s*|\s+|$)|--[A-Za-z])")
LONG_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
SHORT_FLAG = re.compile(r"(?:(?<=^)|(?<=[\s\[/,(|]))-[A-Za-z0-9](?=[\s,/\]|)=]|$)")


def run_help(prog, args, env):
    """stdout of `prog args --help`, or "" when it does not print help."""
    try:
        p = subprocess.run([prog] + args + ["--help"], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=20, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return p.stdout if p.returncode == 0 else ""


def parse_top(text):
    """(usage, description lines, [(verb, summary)], flag lines)."""
    lines = text.rstrip("\n").split("\n")
    usage = lines[0][len("usage: "):] if lines and lines[0].startswith("usage: ") else ""
    desc, verbs, flags = [], [], []
    section = "desc"
    for line in lines[1:]:
        if VERBS_HEADER.match(line):
            section = "verbs"
            continue
        if re.match(r"^\S.*:\s*$", line) and section != "desc":
            section = "flags"
            continue
        if re.match(r"^\S.*flags.*:\s*$", line, re.I):
            section = "flags"
            continue
        if section == "verbs":
            m = re.match(r"^\s+([a-z][a-z0-9-]*)\s+(.*)$", line)
            if m:
                verbs.append((m.group(1), m.group(2)))
            elif line.strip() and not line.strip().startswith("#"):
                section = "desc"
                desc.append(line)
            continue
        if section == "flags":
            flags.append(line)
        elif section == "desc":
            desc.append(line)
    return usage, desc, verbs, flags


def flag_entries(lines):
    """Flag lines ("  -b, --bundle DIR   text" and continuations) as
    [(term, text)]; lines that are not flag lines go to the text."""
    out = []
    blank = False
    for line in lines:
        if FLAG_LINE.match(line):
            m = re.match(r"^\s*(\S.*?)(?:\s{2,}(.*))?$", line)
            out.append([m.group(1), m.group(2) or ""])
        elif out and line.strip() and not blank:
            out[-1][1] = (out[-1][1] + " " + line.strip()).strip()
        elif line.strip():
            out.append(["", line.strip()])
        blank = not line.strip()
    return out


def flags_in(text):
    """Every flag a help text names: --long anywhere, -x where a flag is."""
    longs = set(LONG_FLAG.findall(text))
    shorts = set()
    for line in text.split("\n"):
        if FLAG_LINE.match(line) or "-" in line:
            shorts.update(SHORT_FLAG.findall(line))
    shorts.discard("-1")
    return sorted(longs | shorts)


def takes_value(help_text, flag):
    """True when the help shows a value after the flag (--root DIR, -e K=V)."""
    m = re.search(re.escape(flag) + r"(?:[ =])([A-Z][A-Z0-9_:=.\[\]-]*|[a-z]+\|[a-z|]+)", help_text)
    return bool(m)


class Program:
    def __init__(self, name, path, env):
        self.name, self.path = name, path
        top = run_help(path, [], env)
        if not top:
            raise SystemExit(f"mkmanual: {path} --help printed nothing")
        self.top = top
        self.usage, self.desc, verbs, self.global_lines = parse_top(top)
        self.verbs = []
        for verb, summary in verbs:
            text = run_help(path, [verb], env)
            self.verbs.append((verb, summary, text))
        self.global_flags = flags_in("\n".join(self.global_lines))


# ---------------------------------------------------------------- man page

def esc(s):
    """Text for scdoc: its markup characters taken literally."""
    return re.sub(r"([\\*_])", r"\\\1", s)


def man_flags(lines):
    out = []
    for term, text in flag_entries(lines):
        if term:
            out.append("*" + esc(term) + "*")
            out.append("\t" + esc(text) if text else "")
        else:
            out.append(esc(text))
        out.append("")
    return out


def man_verb(prog, verb, summary, text):
    out = ["## " + esc(verb), "", esc(summary), ""]
    if not text:
        return out
    lines = text.rstrip("\n").split("\n")
    if lines[0].startswith("usage: "):
        out += ["*" + esc(lines[0][len("usage: "):]) + "*", ""]
        lines = lines[1:]
    para, flag_block = [], []
    for line in lines + [""]:
        if FLAG_LINE.match(line) or (flag_block and line.startswith("     ") and line.strip()):
            if para:
                out += [esc(" ".join(para)), ""]
                para = []
            flag_block.append(line)
            continue
        if flag_block:
            out += man_flags(flag_block)
            flag_block = []
        if line.strip():
            para.append(line.strip())
        elif para:
            out += [esc(" ".join(para)), ""]
            para = []
    return out


def man_page(p, template):
    first = next((l.strip() for l in p.desc if l.strip()), p.name)
    gen = [f"{p.name}(1)", "", "# NAME", "", f"{p.name} - {esc(first.rstrip('.'))}", "",
           "# SYNOPSIS", "", "*" + esc(p.usage) + "*", ""]
    rest = [l.strip() for l in p.desc if l.strip()][1:]
    if rest:
        gen += ["# DESCRIPTION", "", esc(" ".join(rest)), ""]
    body = []
    if p.global_lines:
        body += ["# GLOBAL FLAGS", ""] + man_flags(p.global_lines)
    if p.verbs:
        body += ["# COMMANDS", ""]
        for verb, summary, text in p.verbs:
            body += man_verb(p.name, verb, summary, text)
    if template:
        prose = open(template).read().rstrip("\n").split("\n")
        if "@GENERATED@" in prose:
            i = prose.index("@GENERATED@")
            return "\n".join(gen + prose[:i] + body + prose[i + 1:]) + "\n"
        return "\n".join(gen + body + prose) + "\n"
    return "\n".join(gen + body) + "\n"


# ---------------------------------------------------------------- completions

def fn_name(name):
    return "_" + re.sub(r"[^A-Za-z0-9]", "_", name)


def bash_completion(p):
    verbs = " ".join(v for v, _, _ in p.verbs)
    valued = sorted({f for f in p.global_flags if takes_value(p.top, f)} |
                    {f for _, _, t in p.verbs for f in flags_in(t) if takes_value(t, f)})
    lines = [
        f"# bash completion for {p.name}: made by scripts/mkmanual.py from its --help",
        f"{fn_name(p.name)}() {{",
        "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}",
        f"\tlocal verbs=\"{verbs}\" verb= flags i",
        f"\tcase \" {' '.join(valued)} \" in *\" $prev \"*) COMPREPLY=(); compopt -o default 2>/dev/null; return ;; esac",
        "\tfor ((i = 1; i < COMP_CWORD; i++)); do",
        "\t\tcase \" $verbs \" in *\" ${COMP_WORDS[i]} \"*) verb=${COMP_WORDS[i]}; break ;; esac",
        "\tdone",
        "\tcase $verb in",
        f"\t\"\") flags=\"{' '.join(p.global_flags)}\" ;;",
    ]
    for verb, _, text in p.verbs:
        lines.append(f"\t{verb}) flags=\"{' '.join(flags_in(text))}\" ;;")
    lines += [
        "\tesac",
        "\tif [[ -z $verb && $cur != -* ]]; then",
        "\t\tCOMPREPLY=($(compgen -W \"$verbs\" -- \"$cur\"))",
        "\telif [[ $cur == -* ]]; then",
        "\t\tCOMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))",
        "\telse",
        "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))",
        "\tfi",
        "}",
        f"complete -F {fn_name(p.name)} {p.name}",
    ]
    return "\n".join(lines) + "\n"


def zsh_spec(flag, text, help_text):
    desc = re.sub(r"[\[\]:'\\]", "", text).strip()[:70]
    value = ":value:_files" if takes_value(help_text, flag) else ""
    return f"'{flag}[{desc}]{value}'"


def zsh_flag_specs(help_lines, help_text):
    descs = {}
    for term, text in flag_entries(help_lines):
        for f in flags_in(term):
            descs.setdefault(f, text)
    flags = flags_in(help_text)
    return [zsh_spec(f, descs.get(f, ""), help_text) for f in flags]


def zsh_completion(p):
    fn = fn_name(p.name)
    out = [f"#compdef {p.name}",
           f"# zsh completion for {p.name}: made by scripts/mkmanual.py from its --help",
           "", f"{fn}() {{", "\tlocal curcontext=$curcontext state line", "\ttypeset -A opt_args",
           "\tlocal -a verbs", "\tverbs=("]
    for verb, summary, _ in p.verbs:
        out.append("\t\t'" + verb + ":" + re.sub(r"['\\:]", "", summary) + "'")
    out += ["\t)", "\t_arguments -C \\"]
    for spec in zsh_flag_specs(p.global_lines, "\n".join(p.global_lines)):
        out.append(f"\t\t{spec} \\")
    out += ["\t\t'1:command:->verb' \\", "\t\t'*::argument:->args'", "\tcase $state in",
            "\tverb) _describe -t commands 'command' verbs ;;", "\targs)", "\t\tcase $line[1] in"]
    for verb, _, text in p.verbs:
        specs = zsh_flag_specs(text.split("\n"), text)
        out.append(f"\t\t{verb}) _arguments -s {' '.join(specs)} '*:file:_files' ;;")
    out += ["\t\tesac ;;", "\tesac", "}", "", f'{fn} "$@"']
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main

def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    build = sys.argv[1]
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    made = []
    with tempfile.TemporaryDirectory(prefix="glass-mkmanual.") as tmp:
        # A verb's --help must not touch the machine's state: GLASS_ROOT
        # points every engine path at an empty directory.
        env = dict(os.environ, GLASS_ROOT=tmp, LC_ALL="C.UTF-8", NO_COLOR="1")
        for name, rel in PROGRAMS:
            path = os.path.join(build, rel)
            if not os.access(path, os.X_OK):
                continue
            p = Program(name, path, env)
            template = os.path.join(src, "docs", "man", name + ".scd")
            scd = man_page(p, template if os.path.exists(template) else None)
            outs = {
                os.path.join(build, "man", "man1", name + ".1"): None,
                os.path.join(build, "completions", "bash", name): bash_completion(p),
                os.path.join(build, "completions", "zsh", "_" + name): zsh_completion(p),
            }
            for out in outs:
                os.makedirs(os.path.dirname(out), exist_ok=True)
            try:
                man = subprocess.run(["scdoc"], input=scd, capture_output=True, text=True)
            except FileNotFoundError:
                raise SystemExit("mkmanual: scdoc not found: apt-get install scdoc "
                                 "(scripts/install-deps.sh build installs it)")
            if man.returncode != 0:
                raise SystemExit(f"mkmanual: scdoc failed on {name}: {man.stderr.strip()}")
            for out, text in outs.items():
                with open(out, "w") as f:
                    f.write(man.stdout if text is None else text)
            made.append(name)
    if not made:
        raise SystemExit(f"mkmanual: no program built under {build}")


if __name__ == "__main__":
    main()
