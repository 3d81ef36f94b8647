package org.lactspark.kernel.cuda;

import java.util.List;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.LactMode;
import org.lactspark.kernel.LactSpec;
import org.lactspark.kernel.NewtonSchulzSchedule;
import org.lactspark.kernel.NormPlacement;

/** The kernel API's values in the integer and array codes of {@link NativeLact}. */
final class NativeArgs {
  private NativeArgs() {}

  /** The {@code precision} code of a dtype. */
  static int precision(DType t) {
    return switch (t) {
      case FLOAT64 -> NativeLact.FLOAT64;
      case FLOAT32 -> NativeLact.FLOAT32;
      case BFLOAT16 -> NativeLact.BFLOAT16;
    };
  }

  /** {@code {mode, norm, chunkSize, muon, momentum, normTargetsDetached}}. */
  static int[] spec(LactSpec s) {
    return new int[] {
      s.mode() == LactMode.BIDIRECTIONAL ? 1 : 0,
      s.norm() == NormPlacement.PRENORM ? 1 : 0,
      s.chunkSize(),
      s.muon() ? 1 : 0,
      s.momentum() ? 1 : 0,
      s.normTargetsDetached() ? 1 : 0,
    };
  }

  /** The schedule as {@code a, b, c} per step. */
  static double[] ns(NewtonSchulzSchedule schedule) {
    List<NewtonSchulzSchedule.Step> steps = schedule.steps();
    double[] out = new double[3 * steps.size()];
    for (int i = 0; i < steps.size(); i++) {
      NewtonSchulzSchedule.Step s = steps.get(i);
      out[3 * i] = s.a();
      out[3 * i + 1] = s.b();
      out[3 * i + 2] = s.c();
    }
    return out;
  }

  /** The tensor's data, or null for a null tensor. */
  static double[] dataOrNull(HostTensor t) {
    return t == null ? null : t.data();
  }
}
