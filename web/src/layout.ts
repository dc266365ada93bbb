// A layered layout for small DAGs: each task sits in the column of its longest
// path from a root, and tasks in one column are ordered to follow their
// parents (one barycentre pass), which keeps edges short and mostly straight.

export interface LayoutInput {
  nodes: string[];
  edges: { source: string; target: string }[];
}

export interface PlacedNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

export interface Layout {
  nodes: Map<string, PlacedNode>;
  width: number;
  height: number;
  /** False when the edges hold a cycle; cyclic nodes are then put in the last layer. */
  acyclic: boolean;
}

export interface LayoutSizes {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  margin: number;
}

export const kDefaultSizes: LayoutSizes = { nodeWidth: 230, nodeHeight: 44, columnGap: 52, rowGap: 18, margin: 12 };

/** Longest-path layer of each node (Kahn's order); nodes on a cycle get the deepest layer + 1. */
export function assignLayers(input: LayoutInput): { layers: Map<string, number>; acyclic: boolean } {
  const known = new Set(input.nodes);
  const parents = new Map<string, string[]>(input.nodes.map((id) => [id, []]));
  const children = new Map<string, string[]>(input.nodes.map((id) => [id, []]));
  for (const { source, target } of input.edges) {
    if (!known.has(source) || !known.has(target)) continue;
    children.get(source)!.push(target);
    parents.get(target)!.push(source);
  }
  const pending = new Map(input.nodes.map((id) => [id, parents.get(id)!.length]));
  const layers = new Map<string, number>();
  const ready = input.nodes.filter((id) => pending.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    const layer = Math.max(-1, ...parents.get(id)!.map((parent) => layers.get(parent) ?? -1)) + 1;
    layers.set(id, layer);
    for (const child of children.get(id)!) {
      pending.set(child, pending.get(child)! - 1);
      if (pending.get(child) === 0) ready.push(child);
    }
  }
  const acyclic = layers.size === input.nodes.length;
  if (!acyclic) {
    const last = Math.max(-1, ...layers.values()) + 1;
    for (const id of input.nodes) if (!layers.has(id)) layers.set(id, last);
  }
  return { layers, acyclic };
}

export type Direction = "LR" | "TB";

/** Left to right (layers are columns) or top to bottom (layers are rows) when space is narrow. */
export function layoutDag(input: LayoutInput, sizes: LayoutSizes = kDefaultSizes, direction: Direction = "LR"): Layout {
  const { layers, acyclic } = assignLayers(input);
  const groups: string[][] = [];
  for (const id of input.nodes) {
    const layer = layers.get(id)!;
    (groups[layer] ??= []).push(id);
  }
  orderByParents(groups, input.edges);
  // Along a layer: node extent and gap; across layers: the step from one layer to the next.
  const along = direction === "LR" ? sizes.nodeHeight : sizes.nodeWidth;
  const alongGap = direction === "LR" ? sizes.rowGap : sizes.columnGap / 2;
  const across = direction === "LR" ? sizes.nodeWidth + sizes.columnGap : sizes.nodeHeight + sizes.rowGap * 2;
  const span = (count: number) => count * along + Math.max(0, count - 1) * alongGap;
  const widest = Math.max(1, ...groups.map((group) => group?.length ?? 0));
  const nodes = new Map<string, PlacedNode>();
  groups.forEach((group, layer) => {
    const start = sizes.margin + (span(widest) - span(group.length)) / 2;
    group.forEach((id, index) => {
      const a = start + index * (along + alongGap);
      const b = sizes.margin + layer * across;
      nodes.set(id, { id, layer, order: index, x: direction === "LR" ? b : a, y: direction === "LR" ? a : b });
    });
  });
  const layerCount = Math.max(1, groups.length);
  const acrossTotal = layerCount * across - (direction === "LR" ? sizes.columnGap : sizes.rowGap * 2);
  const alongTotal = span(widest);
  const width = 2 * sizes.margin + (direction === "LR" ? acrossTotal : alongTotal);
  const height = 2 * sizes.margin + (direction === "LR" ? alongTotal : acrossTotal);
  return { nodes, width: groups.length ? width : 2 * sizes.margin, height, acyclic };
}

/** One barycentre pass: each layer follows the order of its nodes' parents. */
function orderByParents(groups: string[][], edges: LayoutInput["edges"]): void {
  const order = new Map<string, number>();
  groups.forEach((group, layer) => {
    if (layer > 0) {
      const centre = (id: string) => {
        const placed = edges.filter((e) => e.target === id && order.has(e.source)).map((e) => order.get(e.source)!);
        return placed.length ? placed.reduce((a, b) => a + b, 0) / placed.length : Number.MAX_SAFE_INTEGER;
      };
      group.sort((a, b) => centre(a) - centre(b));
    }
    group.forEach((id, index) => order.set(id, index));
  });
}
