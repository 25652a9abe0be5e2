"""A layered drawing of a workflow definition: steps as boxes, transitions as arrows, containers nesting blocks.

Each block (the workflow, a Parallel branch, a Foreach/While `do`) is laid out on its own: steps go into
layers by their longest path from the block's start (edges that go back, i.e. loops, are routed up the right
side), each layer is a row, rows are centred. A container step is a box holding its blocks side by side.
Node keys are spec paths (`notify/mail/send`, `loop/step`), the same keys `tree.step_key` gives a run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from executions.engine import Block, Definition, Step
from executions.engine.definition import ForeachSpec, ParallelSpec, WhileSpec

NODE_W, NODE_H = 172, 46
GAP_X, GAP_Y = 26, 42
PAD, HEADER, BRANCH_LABEL = 12, 42, 20
LOOP_GAP = 14
MARGIN = 16
START_GAP = 34
LABEL_CHARS = 22
EDGE_LABEL_CHARS = 22
OPEN_STATUSES = ("STARTED", "SCHEDULED", "CANCEL_REQUESTED")


@dataclass(frozen=True)
class Node:
    key: str
    step_id: str
    label: str
    step_type: str
    x: float
    y: float
    w: float
    h: float
    container: bool = False
    status: str = ""
    runs: int = 0

    @property
    def modifier(self) -> str:
        return self.status.lower().replace("_", "-") if self.status else "idle"

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


@dataclass(frozen=True)
class Edge:
    kind: str  # next, choice, default, catch
    label: str
    points: tuple[float, ...]  # forward: x1 y1 x2 y2; back: x1 y1 lane x2 y2
    back: bool = False

    @property
    def d(self) -> str:
        if self.back:
            x1, y1, lane, x2, y2 = self.points
            return f"M{x1:.1f},{y1:.1f} H{lane:.1f} V{y2:.1f} H{x2 + 4:.1f}"
        x1, y1, x2, y2 = self.points
        bend = max((y2 - y1) / 2, 14)
        return f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} {x2:.1f},{y2 - 2:.1f}"

    @property
    def short_label(self) -> str:
        return self.label if len(self.label) <= EDGE_LABEL_CHARS else self.label[: EDGE_LABEL_CHARS - 1] + "…"

    @property
    def label_x(self) -> float:
        return self.points[2] + 4 if self.back else (self.points[0] + self.points[2]) / 2 + 4

    @property
    def label_y(self) -> float:
        return (self.points[1] + self.points[4]) / 2 if self.back else (self.points[1] + self.points[3]) / 2

    def moved(self, dx: float, dy: float) -> Edge:
        if self.back:
            x1, y1, lane, x2, y2 = self.points
            return replace(self, points=(x1 + dx, y1 + dy, lane + dx, x2 + dx, y2 + dy))
        x1, y1, x2, y2 = self.points
        return replace(self, points=(x1 + dx, y1 + dy, x2 + dx, y2 + dy))


@dataclass(frozen=True)
class Caption:
    text: str
    x: float
    y: float


@dataclass
class _Laid:
    w: float
    h: float
    nodes: list[Node] = field(default_factory=list)
    containers: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    entry: tuple[float, float] = (0.0, 0.0)

    def moved(self, dx: float, dy: float) -> _Laid:
        return _Laid(
            w=self.w,
            h=self.h,
            nodes=[replace(n, x=n.x + dx, y=n.y + dy) for n in self.nodes],
            containers=[replace(n, x=n.x + dx, y=n.y + dy) for n in self.containers],
            edges=[e.moved(dx, dy) for e in self.edges],
            captions=[replace(c, x=c.x + dx, y=c.y + dy) for c in self.captions],
            entry=(self.entry[0] + dx, self.entry[1] + dy),
        )


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    containers: list[Node]
    edges: list[Edge]
    captions: list[Caption]
    width: float
    height: float
    start_x: float
    start_y: float
    entry_y: float

    def with_statuses(self, statuses: Mapping[str, tuple[str, int]]) -> Graph:
        """The same drawing with each step coloured by its runs: `statuses[key] = (status, number of runs)`."""

        def paint(node: Node) -> Node:
            status, runs = statuses.get(node.key, ("", 0))
            return replace(node, status=status, runs=runs)

        return replace(self, nodes=[paint(n) for n in self.nodes], containers=[paint(n) for n in self.containers])


def layout(definition: Definition) -> Graph:
    laid = _block(definition.root, prefix="").moved(MARGIN, MARGIN + START_GAP)
    return Graph(
        nodes=laid.nodes,
        containers=laid.containers,
        edges=laid.edges,
        captions=laid.captions,
        width=laid.w + 2 * MARGIN,
        height=laid.h + 2 * MARGIN + START_GAP,
        start_x=laid.entry[0],
        start_y=MARGIN + 8,
        entry_y=laid.entry[1],
    )


def run_statuses(runs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, int]]:
    """Fold `(step key, status)` pairs, in run order, into one status per step: open runs win, else the last."""
    seen: dict[str, list[str]] = {}
    for key, status in runs:
        seen.setdefault(key, []).append(status)
    folded = {}
    for key, statuses in seen.items():
        open_ = [s for s in statuses if s in OPEN_STATUSES]
        folded[key] = (open_[-1] if open_ else statuses[-1], len(statuses))
    return folded


def _targets(step: Step) -> list[tuple[str, str, str]]:
    """(target, kind, label) of every transition out of a step."""
    spec = step.spec
    targets = [(step.next, "next", "")] if step.next else []
    targets += [(choice.next, "choice", choice.condition) for choice in getattr(spec, "choices", ())]
    if getattr(spec, "default", None):
        targets.append((spec.default, "default", "default"))
    targets += [(rule.next, "catch", "catch " + ", ".join(rule.error_list)) for rule in getattr(spec, "catch", ())]
    return targets


def _order(block: Block) -> tuple[list[str], set[tuple[str, str]]]:
    """Steps in depth-first order from the start (unreachable ones last) and the edges that go back."""
    order: list[str] = []
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    for root in [block.start, *block.steps]:
        if root in state or root not in block.steps:
            continue
        stack = [(root, iter(_targets(block.steps[root])))]
        state[root] = 1
        order.append(root)
        while stack:
            step_id, successors = stack[-1]
            for target, _, _ in successors:
                if target not in block.steps:
                    continue
                if state.get(target) == 1:
                    back.add((step_id, target))
                elif target not in state:
                    state[target] = 1
                    order.append(target)
                    stack.append((target, iter(_targets(block.steps[target]))))
                    break
            else:
                state[step_id] = 2
                stack.pop()
    return order, back


def _layers(block: Block, order: list[str], back: set[tuple[str, str]]) -> dict[str, int]:
    layer = dict.fromkeys(order, 0)
    for _ in range(len(order)):  # longest path on a DAG: relax until stable (at most n rounds)
        changed = False
        for step_id in order:
            for target, _, _ in _targets(block.steps[step_id]):
                if target in layer and (step_id, target) not in back and layer[target] < layer[step_id] + 1:
                    layer[target] = layer[step_id] + 1
                    changed = True
        if not changed:
            break
    return layer


def _block(block: Block, *, prefix: str) -> _Laid:
    order, back = _order(block)
    layer = _layers(block, order, back)
    boxes = {step_id: _step(block.steps[step_id], prefix) for step_id in order}
    rows: dict[int, list[str]] = {}
    for step_id in order:
        rows.setdefault(layer[step_id], []).append(step_id)
    content_w = max(
        (sum(boxes[s].w for s in row) + GAP_X * (len(row) - 1) for row in rows.values()),
        default=NODE_W,
    )
    laid = _Laid(w=content_w, h=0)
    placed: dict[str, tuple[float, float, float, float]] = {}
    y = 0.0
    for index in sorted(rows):
        row = rows[index]
        row_w = sum(boxes[s].w for s in row) + GAP_X * (len(row) - 1)
        x = (content_w - row_w) / 2
        for step_id in row:
            box = boxes[step_id].moved(x, y)
            laid.nodes += box.nodes
            laid.containers += box.containers
            laid.edges += box.edges
            laid.captions += box.captions
            placed[step_id] = (x, y, box.w, box.h)
            x += box.w + GAP_X
        y += max(boxes[s].h for s in row) + GAP_Y
    laid.h = max(y - GAP_Y, NODE_H)
    lanes = 0
    for step_id in order:
        sx, sy, sw, sh = placed[step_id]
        for target, kind, label in _targets(block.steps[step_id]):
            if target not in placed:
                continue
            tx, ty, tw, th = placed[target]
            if (step_id, target) in back:
                lanes += 1
                lane = content_w + LOOP_GAP * lanes
                points = (sx + sw, sy + sh / 2, lane, tx + tw, ty + th / 2)
                laid.edges.append(Edge(kind, label, points, back=True))
            else:
                laid.edges.append(Edge(kind, label, (sx + sw / 2, sy + sh, tx + tw / 2, ty)))
    laid.w = content_w + (LOOP_GAP * (lanes + 1) if lanes else 0)
    if block.start in placed:
        sx, sy, sw, _ = placed[block.start]
        laid.entry = (sx + sw / 2, sy)
    return laid


def _step(step: Step, prefix: str) -> _Laid:
    key = prefix + step.id
    label = step.title or step.id
    label = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
    inner = _inner_blocks(step, key)
    if not inner:
        return _Laid(w=NODE_W, h=NODE_H, nodes=[Node(key, step.id, label, step.type.value, 0, 0, NODE_W, NODE_H)])
    inner_w = sum(part.w for _, part in inner) + GAP_X * (len(inner) - 1)
    labelled = any(caption for caption, _ in inner)
    inner_h = max(part.h for _, part in inner) + (BRANCH_LABEL if labelled else 0)
    w = max(NODE_W, inner_w + 2 * PAD)
    h = HEADER + inner_h + PAD
    box = Node(key, step.id, label, step.type.value, 0, 0, w, h, container=True)
    laid = _Laid(w=w, h=h, containers=[box])
    x = (w - inner_w) / 2
    for caption, part in inner:
        top = HEADER + (BRANCH_LABEL if labelled else 0)
        if caption:
            laid.captions.append(Caption(caption, x + 2, HEADER + BRANCH_LABEL - 6))
        moved = part.moved(x, top)
        laid.nodes += moved.nodes
        laid.containers += moved.containers
        laid.edges += moved.edges
        laid.captions += moved.captions
        x += part.w + GAP_X
    return laid


def _inner_blocks(step: Step, key: str) -> list[tuple[str, _Laid]]:
    spec = step.spec
    if isinstance(spec, ParallelSpec):
        return [(branch, _block(block, prefix=f"{key}/{branch}/")) for branch, block in spec.branches.items()]
    if isinstance(spec, ForeachSpec | WhileSpec):
        return [("", _block(spec.do, prefix=f"{key}/"))]
    return []
