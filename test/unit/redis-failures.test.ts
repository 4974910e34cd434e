import { ReplyError } from "ioredis";
import { describe, expect, it } from "vitest";
import { isRedisFailure } from "../../src/admission/breakers.js";
import { ApiError } from "../../src/errors.js";

describe("isRedisFailure: what turns into 503 (retry with the same key) rather than 500", () => {
  it("counts a failover's replies as the dependency's failure", () => {
    // Seen in test/faults/cluster-failover: a WAIT on the old primary when CLUSTER FAILOVER demoted it.
    expect(
      isRedisFailure(
        new ReplyError("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"),
      ),
    ).toBe(true);
    // The same demotion, when the WAIT arrives just after it (seen with the suite beside two CPU hogs).
    expect(
      isRedisFailure(
        new ReplyError(
          "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.",
        ),
      ),
    ).toBe(true);
    expect(
      isRedisFailure(
        new ReplyError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
      ),
    ).toBe(true);
    expect(isRedisFailure(new ReplyError("CLUSTERDOWN The cluster is down"))).toBe(true);
    expect(isRedisFailure(new Error("Command timed out"))).toBe(true);
  });

  it("leaves a script's own error and the API's errors alone", () => {
    expect(isRedisFailure(new ReplyError("ERR Error running script: attempt to compare nil with number"))).toBe(false);
    expect(isRedisFailure(new ApiError("UNAVAILABLE", "Redis is not answering"))).toBe(false);
    expect(isRedisFailure("UNBLOCKED")).toBe(false);
  });
});
