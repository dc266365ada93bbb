import { describe, expect, it } from "vitest";
import { assignLayers, kDefaultSizes, layoutDag } from "../../src/layout";

const chain = {
  nodes: ["raw_data_collection_task", "raw_data_processing_task", "create_tables_task", "load_process_data_to_postgres"],
  edges: [
    { source: "raw_data_collection_task", target: "raw_data_processing_task" },
    { source: "raw_data_processing_task", target: "create_tables_task" },
    { source: "create_tables_task", target: "load_process_data_to_postgres" },
  ],
};

describe("assignLayers", () => {
  it("puts a chain one task per layer in order", () => {
    const { layers, acyclic } = assignLayers(chain);
    expect(acyclic).toBe(true);
    expect(chain.nodes.map((id) => layers.get(id))).toEqual([0, 1, 2, 3]);
  });

  it("uses the longest path, so a join sits after its deepest parent", () => {
    const { layers } = assignLayers({
      nodes: ["a", "b", "c", "d"],
      edges: [
        { source: "a", target: "b" },
        { source: "b", target: "c" },
        { source: "a", target: "d" },
        { source: "c", target: "d" },
      ],
    });
    expect(layers.get("d")).toBe(3);
  });

  it("reports a cycle and still places every node", () => {
    const { layers, acyclic } = assignLayers({
      nodes: ["a", "b", "c"],
      edges: [
        { source: "a", target: "b" },
        { source: "b", target: "c" },
        { source: "c", target: "b" },
      ],
    });
    expect(acyclic).toBe(false);
    expect(layers.size).toBe(3);
    expect(layers.get("b")).toBe(1);
  });

  it("ignores edges to unknown nodes", () => {
    const { layers } = assignLayers({ nodes: ["a"], edges: [{ source: "a", target: "ghost" }] });
    expect(layers.get("a")).toBe(0);
  });
});

describe("layoutDag", () => {
  it("places nodes left to right without overlap", () => {
    const layout = layoutDag(chain);
    const xs = chain.nodes.map((id) => layout.nodes.get(id)!.x);
    for (let i = 1; i < xs.length; ++i) expect(xs[i] - xs[i - 1]).toBeGreaterThanOrEqual(kDefaultSizes.nodeWidth);
    expect(layout.width).toBeGreaterThanOrEqual(xs[xs.length - 1] + kDefaultSizes.nodeWidth);
  });

  it("stacks siblings in one column and centres a lone child", () => {
    const layout = layoutDag({
      nodes: ["root", "left", "right", "join"],
      edges: [
        { source: "root", target: "left" },
        { source: "root", target: "right" },
        { source: "left", target: "join" },
        { source: "right", target: "join" },
      ],
    });
    const left = layout.nodes.get("left")!;
    const right = layout.nodes.get("right")!;
    expect(left.x).toBe(right.x);
    expect(Math.abs(left.y - right.y)).toBeGreaterThanOrEqual(kDefaultSizes.nodeHeight);
    const join = layout.nodes.get("join")!;
    expect(join.y).toBeCloseTo((left.y + right.y) / 2);
  });

  it("handles an empty graph", () => {
    const layout = layoutDag({ nodes: [], edges: [] });
    expect(layout.nodes.size).toBe(0);
    expect(layout.width).toBeGreaterThan(0);
  });
});
