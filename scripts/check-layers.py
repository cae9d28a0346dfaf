#!/usr/bin/env python3
"""The layer rules of docs/architecture.md, checked on the sources and on CMake's target graph.

    check-layers.py SOURCE_DIR --qt-include QTCORE_INCLUDE_DIRS --cmake CMAKE [--keep DIR]

Includes:
  - common/ (shared by both sides) includes no Qt header and nothing of scorer/, backend/,
    widgets/ or app/;
  - scorer/ includes no Qt header;
  - backend/ includes nothing of QtWidgets, QtGui, QtCharts or OpenGL, and nothing of widgets/;
  - widgets/ includes no gRPC, curl, QtNetwork, generated proto or backend/ header;
  - app/console/ (the pages and their shell) holds no thread code and no PromQL: both belong to
    the backend's clients and its ScorerQueries.
Targets (SOURCE_DIR configured into a temporary build tree with `cmake --graphviz`):
  - no scorer or common target (fraud_*, fraud-*) depends on a Qt target;
  - fraudops_backend depends on no widgets, GUI or chart target;
  - fraudops_widgets depends on no backend, gRPC, curl, proto or network target.
Prints each violation as "layer violation: ..." and exits 1 if there is any.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
GUI_MODULES = {"QtWidgets", "QtGui", "QtCharts", "QtOpenGL", "QtOpenGLWidgets"}
SOURCE_SUFFIXES = (".h", ".hpp", ".cpp", ".cc")


def qt_root(include_dirs):
    for d in re.split(r"[;:]", include_dirs):
        d = d.rstrip("/")
        if d.endswith("/QtCore") and os.path.isdir(d):
            return os.path.dirname(d)
    sys.exit("check-layers: no QtCore directory in --qt-include " + include_dirs)


def qt_module(header, root):
    """The Qt module a header belongs to ("QtCore", "QtWidgets", ...), or None."""
    first = header.split("/")[0]
    if first.startswith("Qt") and os.path.isdir(os.path.join(root, first)):
        return first
    if os.path.isfile(os.path.join(root, "QtCore", header)):
        return "QtCore"
    for module in sorted(os.listdir(root)):
        if module.startswith("Qt") and os.path.isfile(os.path.join(root, module, header)):
            return module
    return None


def sources(top):
    for base, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not d.startswith("build")]
        for f in sorted(files):
            if f.endswith(SOURCE_SUFFIXES):
                yield os.path.join(base, f)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield number, m.group(1), m.group(2)


def check_includes(src, root):
    problems = []

    def where(path, number):
        return "%s:%d" % (os.path.relpath(path, src), number)

    def under(folder, header):
        return os.path.isfile(os.path.join(src, folder, header))

    for path in sources(os.path.join(src, "common")):
        for number, kind, header in includes(path):
            if qt_module(header, root):
                problems.append("%s: common/ includes Qt (%s)" % (where(path, number), header))
            if kind == '"' and not under("common/src", header) and any(
                    under(side, header) for side in ("scorer/src", "backend", "widgets", "app")):
                problems.append("%s: common/ includes a side that uses it (%s)"
                                % (where(path, number), header))
    for path in sources(os.path.join(src, "scorer")):
        for number, _, header in includes(path):
            if qt_module(header, root):
                problems.append("%s: scorer/ includes Qt (%s)" % (where(path, number), header))
    for path in sources(os.path.join(src, "backend")):
        for number, kind, header in includes(path):
            module = qt_module(header, root) if kind == "<" else None
            if module in GUI_MODULES:
                problems.append("%s: backend/ includes %s (%s)" % (where(path, number), module, header))
            if kind == '"' and under("widgets", header) and not under("backend", header):
                problems.append("%s: backend/ includes widgets/ (%s)" % (where(path, number), header))
    for path in sources(os.path.join(src, "widgets")):
        for number, kind, header in includes(path):
            network = header.startswith(("grpc/", "grpcpp/", "curl/", "fraud/v1/"))
            module = qt_module(header, root) if kind == "<" else None
            if network or module == "QtNetwork":
                problems.append("%s: widgets/ includes the network (%s)" % (where(path, number), header))
            if kind == '"' and under("backend", header) and not under("widgets", header):
                problems.append("%s: widgets/ includes backend/ (%s)" % (where(path, number), header))
    thread_headers = {"thread", "QThread", "QThreadPool", "QtConcurrent", "future"}
    promql = re.compile(r'"[^"]*(\b(rate|irate|increase|histogram_quantile|sum|avg|max|topk)'
                        r'\s*(by\s*\([^)]*\)\s*)?\(|\bfraud_scorer_\w+|\$window|\bup\{)[^"]*"')
    for path in sources(os.path.join(src, "app", "console")):
        for number, _, header in includes(path):
            if header in thread_headers or header.startswith(("grpcpp/", "curl/")):
                problems.append("%s: the console's pages run no threads or network calls (%s)"
                                % (where(path, number), header))
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if promql.search(line) and not line.lstrip().startswith("//"):
                    problems.append("%s: PromQL belongs in backend/prometheus/ScorerQueries (%s)"
                                    % (where(path, number), line.strip()))
    return problems


def target_graph(src, cmake, keep):
    work = keep or tempfile.mkdtemp(prefix="fraudops-layers-")
    dot = os.path.join(work, "graph", "targets.dot")
    configured = subprocess.run(
        [cmake, "-S", src, "-B", os.path.join(work, "build"), "-G", "Ninja",
         "-DFRAUDOPS_BUILD_BENCH=OFF", "--graphviz=" + dot],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if configured.returncode != 0:
        sys.exit("check-layers: the sources do not configure:\n" + configured.stdout)
    labels, edges = {}, {}
    node = re.compile(r'^\s*"(node\d+)"\s*\[\s*label\s*=\s*"([^"]+)"')
    edge = re.compile(r'^\s*"(node\d+)"\s*->\s*"(node\d+)"')
    with open(dot, encoding="utf-8") as f:
        for line in f:
            m = node.match(line)
            if m:
                labels[m.group(1)] = m.group(2)
            m = edge.match(line)
            if m:
                edges.setdefault(m.group(1), set()).add(m.group(2))
    graph = {}
    for a, bs in edges.items():
        graph.setdefault(labels[a], set()).update(labels[b] for b in bs)
    return graph


def reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def check_targets(graph):
    problems = []
    for target in sorted(graph):
        if target.startswith(("fraud_", "fraud-")):
            qt = sorted(t for t in reachable(graph, target) if t.startswith("Qt6::"))
            if qt:
                problems.append("target %s (scorer or common) depends on %s" % (target, ", ".join(qt)))
    backend = reachable(graph, "fraudops_backend")
    gui = sorted(t for t in backend if t in {"Qt6::Widgets", "Qt6::Gui", "Qt6::Charts",
                                             "fraudops_widgets", "fraudops_console"})
    if gui:
        problems.append("target fraudops_backend depends on %s" % ", ".join(gui))
    widgets = reachable(graph, "fraudops_widgets")
    net = sorted(t for t in widgets if t in {"fraudops_backend", "fraud_proto", "Qt6::Network"}
                 or t.startswith(("gRPC::", "CURL::", "protobuf::")))
    if net:
        problems.append("target fraudops_widgets depends on %s" % ", ".join(net))
    if "fraudops_backend" not in graph or "fraudops_widgets" not in graph:
        problems.append("the target graph lacks fraudops_backend or fraudops_widgets")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("--qt-include", required=True)
    parser.add_argument("--cmake", default="cmake")
    parser.add_argument("--keep", help="configure here instead of a temporary directory")
    args = parser.parse_args()
    src = os.path.abspath(args.source)
    problems = check_includes(src, qt_root(args.qt_include))
    problems += check_targets(target_graph(src, args.cmake, args.keep))
    for p in problems:
        print("layer violation: " + p)
    if problems:
        return 1
    print("layer rules hold: common and scorer without Qt, backend without widgets, "
          "widgets without network")
    return 0


if __name__ == "__main__":
    sys.exit(main())
