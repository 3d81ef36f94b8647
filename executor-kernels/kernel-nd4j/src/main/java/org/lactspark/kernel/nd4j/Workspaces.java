package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J workspaces of the op. Allocating from a workspace is a pointer bump instead of a zeroed
 * native allocation (which profiling showed cost as much as the matrix products here), its memory
 * stays with the thread between calls, and everything in it is released when its scope closes.
 *
 * <ul>
 *   <li>{@link #step()}: one schedule step's temporaries. Arrays that outlive the step (saved
 *       fast-weight states) are detached.
 *   <li>{@link #backward()}: one backward call's gradient accumulators {@code [n, L, d]}; step
 *       workspaces nest inside it.
 * </ul>
 */
public final class Workspaces {
  private static final WorkspaceConfiguration STEP = config(LearningPolicy.OVER_TIME, 0.2);
  private static final WorkspaceConfiguration BACKWARD = config(LearningPolicy.FIRST_LOOP, 0.1);

  private Workspaces() {}

  private static WorkspaceConfiguration config(LearningPolicy learning, double overallocation) {
    return WorkspaceConfiguration.builder()
        .initialSize(0)
        .overallocationLimit(overallocation)
        .policyAllocation(AllocationPolicy.OVERALLOCATE)
        .policyLearning(learning)
        .cyclesBeforeInitialization(learning == LearningPolicy.OVER_TIME ? 2 : 0)
        .policyReset(ResetPolicy.BLOCK_LEFT)
        .policySpill(SpillPolicy.REALLOCATE)
        .build();
  }

  /**
   * Opens the calling thread's scratch workspace {@code id} (the step configuration: sized by
   * learning over the first cycles), for a building block's per-call temporaries; close it when the
   * call ends and detach whatever must outlive it.
   */
  public static MemoryWorkspace scratch(String id) {
    return Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP, id);
  }

  /** Opens the calling thread's step workspace; close it at the end of the step. */
  static MemoryWorkspace step() {
    return Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP, "lact-op-step");
  }

  /** Opens the calling thread's backward-call workspace. */
  static MemoryWorkspace backward() {
    return Nd4j.getWorkspaceManager().getAndActivateWorkspace(BACKWARD, "lact-op-backward");
  }
}
