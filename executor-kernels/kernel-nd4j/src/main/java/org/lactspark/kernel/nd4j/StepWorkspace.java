package org.lactspark.kernel.nd4j;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The ND4J workspace that holds one schedule step's temporaries. Allocating from it is a pointer
 * bump instead of a zeroed native allocation (which profiling showed cost as much as the matrix
 * products), and everything in it is released when the step ends. Arrays that outlive a step (the
 * saved fast-weight states) are detached; gradient accumulators are allocated outside it.
 */
final class StepWorkspace {
  private static final String ID = "lact-op-step";
  private static final WorkspaceConfiguration CONFIG =
      WorkspaceConfiguration.builder()
          .initialSize(0)
          .overallocationLimit(0.2)
          .policyAllocation(AllocationPolicy.OVERALLOCATE)
          .policyLearning(LearningPolicy.OVER_TIME)
          .cyclesBeforeInitialization(2)
          .policyReset(ResetPolicy.BLOCK_LEFT)
          .policySpill(SpillPolicy.REALLOCATE)
          .build();

  private StepWorkspace() {}

  /** Opens the calling thread's step workspace; close it at the end of the step. */
  static MemoryWorkspace open() {
    return Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, ID);
  }
}
