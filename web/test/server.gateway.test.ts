import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { scopesReceivedFrom } from "../server/gateway";

const GRANTOR = "9201014101900001";

function mandate(changes: Record<string, unknown>): Record<string, unknown> {
  return {
    grantor_nik: GRANTOR,
    grantee_nik: "3603120101900001",
    scopes: ["identity:read", "requests:write"],
    status: "active",
    ...changes,
  };
}

describe("scopesReceivedFrom", () => {
  it("gives the scopes of the grantor's mandate in force, to ask no more than it covers", () => {
    const list = {
      granted: [mandate({ grantor_nik: "3603120101900001", scopes: ["vehicles:read"] })],
      received: [mandate({})],
    };
    assert.deepEqual(scopesReceivedFrom(list, GRANTOR), ["identity:read", "requests:write"]);
  });

  it("skips withdrawn and expired mandates and other grantors'", () => {
    const list = {
      received: [
        mandate({ status: "withdrawn", scopes: ["vehicles:read"] }),
        mandate({ status: "expired", scopes: ["vehicles:read"] }),
        mandate({ grantor_nik: "3174101704820001", scopes: ["vehicles:read"] }),
        mandate({ scopes: ["complaints:write"] }),
      ],
    };
    assert.deepEqual(scopesReceivedFrom(list, GRANTOR), ["complaints:write"]);
  });

  it("is empty without a mandate, so a parent asks for the portal's scopes", () => {
    assert.deepEqual(scopesReceivedFrom({ granted: [], received: [] }, GRANTOR), []);
    assert.deepEqual(scopesReceivedFrom({ detail: "problem" }, GRANTOR), []);
    assert.deepEqual(scopesReceivedFrom(null, GRANTOR), []);
  });
});
