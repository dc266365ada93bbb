// The task graph as SVG: a layered layout left to right (top to bottom when
// the window is too narrow for it), each task coloured by its state in the
// selected run; a click selects the task.
import { useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type { Graph, GraphTask } from "../api";
import { stateColor, stateKey, stateLabel } from "../format";
import { kDefaultSizes, layoutDag, type Direction, type LayoutInput } from "../layout";

interface Props {
  graph: Graph;
  states: Record<string, string | null | undefined>;
  selectedTask?: string;
  onSelect: (taskId: string) => void;
}

export function TaskGraph({ graph, states, selectedTask, onSelect }: Props) {
  const input = useMemo<LayoutInput>(
    () => ({
      nodes: graph.tasks.map((task) => task.task_id),
      edges: graph.edges.map((edge) => ({ source: edge.source_id, target: edge.target_id })),
    }),
    [graph],
  );
  const wrap = useRef<HTMLDivElement>(null);
  const available = useWidth(wrap);
  const wide = useMemo(() => layoutDag(input), [input]);
  const direction: Direction = available > 0 && wide.width > available ? "TB" : "LR";
  const layout = useMemo(() => (direction === "LR" ? wide : layoutDag(input, kDefaultSizes, "TB")), [direction, wide, input]);
  const { nodeWidth, nodeHeight } = kDefaultSizes;
  const edgePath = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    if (direction === "LR") {
      const [x1, y1, x2, y2] = [from.x + nodeWidth, from.y + nodeHeight / 2, to.x - 2, to.y + nodeHeight / 2];
      const bend = Math.max(20, (x2 - x1) / 2);
      return `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
    }
    const [x1, y1, x2, y2] = [from.x + nodeWidth / 2, from.y + nodeHeight, to.x + nodeWidth / 2, to.y - 2];
    const bend = Math.max(10, (y2 - y1) / 2);
    return `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}`;
  };
  return (
    <div className="graph-wrap" data-testid="task-graph" data-direction={direction} ref={wrap}>
      <svg
        className="graph"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label="Task graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="#94a3b8" />
          </marker>
        </defs>
        {graph.edges.map((edge) => {
          const from = layout.nodes.get(edge.source_id);
          const to = layout.nodes.get(edge.target_id);
          if (!from || !to) return null;
          return (
            <path
              key={`${edge.source_id}->${edge.target_id}`}
              className="edge"
              d={edgePath(from, to)}
              markerEnd="url(#arrow)"
            />
          );
        })}
        {graph.tasks.map((node) => {
          const placed = layout.nodes.get(node.task_id);
          if (!placed) return null;
          const state = states[node.task_id];
          const selected = node.task_id === selectedTask;
          return (
            <g
              key={node.task_id}
              className={`node state-${stateKey(state)}${selected ? " selected" : ""}`}
              data-testid={`graph-node-${node.task_id}`}
              data-state={stateKey(state)}
              transform={`translate(${placed.x},${placed.y})`}
              tabIndex={0}
              role="button"
              aria-label={`${node.task_id}: ${stateLabel(state)}`}
              onClick={() => onSelect(node.task_id)}
              onKeyDown={(event) => (event.key === "Enter" || event.key === " ") && onSelect(node.task_id)}
            >
              <title>{`${node.task_id}\n${describeTask(node)}\n${stateLabel(state)}`}</title>
              <rect width={nodeWidth} height={nodeHeight} rx="6" className="node-box" />
              <rect width="6" height={nodeHeight} rx="3" fill={stateColor(state)} />
              <text x="14" y="18" className="node-label">
                {truncate(node.task_id, 28)}
              </text>
              <text x="14" y="34" className="node-sub">
                {truncate(`${describeTask(node)} · ${stateLabel(state)}`, 36)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

/** "transform", or "transform × 6" for a task mapped over six items. */
function describeTask(task: GraphTask): string {
  const kind = task.kind ?? "task";
  return task.expand && task.map_items?.length ? `${kind} × ${task.map_items.length}` : kind;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The width of an element, followed as the window changes. */
function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
