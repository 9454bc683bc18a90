// The test support's copy of cos-tool's matcher injection (test/support/cos-agent-topology.ts),
// on the cases of cos-tool's own test (pkg/tool/promql_transform_test.go @9f92efc,
// TestShouldApplyLabelMatcherToVectorSelector). cos-tool prints the expression again, matchers
// sorted; the copy inserts into the text as written: the same selectors.
import { assert, describe, it } from "vitest"
import { injectMatchers } from "../support/cos-agent-topology.ts"

describe("cos-lib's topology matchers, as the e2e tests inject them", () => {
  it("go into every vector selector, bare or ranged, unless it matches on that name already", () => {
    const cases: ReadonlyArray<[string, Record<string, string>, string]> = [
      ["rate(metric[5m]) > 0.5", { bar: "baz" }, 'rate(metric{bar="baz"}[5m]) > 0.5'],
      ["metric", { bar: "baz" }, 'metric{bar="baz"}'],
      ["up == 0", { cool: "breeze", hot: "sunrays" }, 'up{cool="breeze",hot="sunrays"} == 0'],
      ['absent(up{job="prometheus"})', { model: "lma" }, 'absent(up{job="prometheus",model="lma"})'],
      [
        "sum by(consumergroup) (kafka_consumergroup_lag) > 50",
        { firstname: "Franz" },
        'sum by(consumergroup) (kafka_consumergroup_lag{firstname="Franz"}) > 50',
      ],
      ['up{cool="breeze",hot="sunrays"} == 0', { cool: "stuff" }, 'up{cool="breeze",hot="sunrays"} == 0'],
      [
        'up{cool="breeze",hot="sunrays"} == 0',
        { cool: "stuff", dance: "macarena" },
        'up{cool="breeze",hot="sunrays",dance="macarena"} == 0',
      ],
      // And what the charm's rules use: a selector by name alone, `on (…)` and `by (…)` left as they are.
      [
        'max by (juju_unit) ({__name__=~"a_.+"}) unless on (job) b{}',
        { m: "x" },
        'max by (juju_unit) ({__name__=~"a_.+",m="x"}) unless on (job) b{m="x"}',
      ],
    ]
    for (const [input, matchers, expected] of cases)
      assert.strictEqual(injectMatchers(input, matchers), expected)
  })

  it("refuses what is not PromQL", () => {
    assert.throws(() => injectMatchers("up{", { a: "b" }), /not PromQL/)
  })
})
