package org.lactspark.kernel.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.official.OfficialConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.golden.CaseTensors;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.CaseSuite;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;
import org.lactspark.kernel.params.ParamSpec;
import org.lactspark.kernel.spi.KernelBackend;

/**
 * The {@code fixtures/lact-layer} cases on the native CUDA model's LaCT layer: the layer's output
 * {@code Y} for {@code x}, and for {@code dY} the input gradient and every parameter's, under the
 * case's tolerances. ND4J-free, like {@link CudaModelSuite}.
 */
public final class CudaLayerSuite extends CaseSuite {
  /** The layer suite for the {@code cuda} backend. */
  public CudaLayerSuite() {
    super("layer", LAYER_TITLE, CudaBackend.NAME);
  }

  @Override
  protected ConformanceRunner.CaseResult runOrThrow(Path dir, KernelBackend backend, DType dtype) throws IOException {
    JsonNode c = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
    CaseTensors t = new CaseTensors(dir, c.path("tolerances"), dtype);
    ModelConfig m = OfficialConfig.layerConfig(c.path("constructor"), dir + "/case.json constructor");
    ParamLayout layout = new ParamLayout(LactModelLayout.lactLayer("", m.hiddenSize(), m.numLactHeads(),
        m.fastHiddenDim(), m.lowRank(), m.fwInitGain(), m.learnableTttScale(), m.useMomentum(), m.attnQkNorm(),
        m.initializerRange()));
    Set<String> listed = new TreeSet<>();
    c.path("params").forEach(p -> listed.add(p.path("name").asText()));
    if (!listed.equals(new TreeSet<>(layout.names()))) {
      throw new IllegalArgumentException(dir + "/case.json params " + listed + " are not the layer's " + new TreeSet<>(layout.names()));
    }
    double[] flat = flatParams(t, layout, "param.");
    HostTensor x = t.load("x");
    if (x.rank() != 3 || x.dim(2) != m.hiddenSize()) {
      throw new IllegalArgumentException(dir + ": x must be [batch, length, " + m.hiddenSize() + "]");
    }
    int b = x.dim(0);
    int len = x.dim(1);
    double[] y = new double[x.size()];
    double[] dx = new double[x.size()];
    double[] grads = new double[flat.length];
    int update = dtype == DType.BFLOAT16 ? UpdatePath.fromSystemProperty().code() : NativeLact.UPDATE_BF16;
    NativeLibrary.get().failure().ifPresent(why -> {
      throw new IllegalStateException("the CUDA layer cannot run here: " + why);
    });
    NativeLact.layerCheck(NativeArgs.precision(dtype), update, CudaModelSpec.ints(m), CudaModelSpec.doubles(m),
        CudaModelSpec.ns(), CudaModelSpec.loneLayerOffsets(layout), flat, b, len, x.data(), t.load("dY").data(), y, dx, grads);
    List<ConformanceRunner.TensorResult> results = new ArrayList<>();
    results.add(t.compare("Y", "Y", HostTensor.of(y, x.shape())));
    results.add(t.compare("grad_x", "grad_x", HostTensor.of(dx, x.shape())));
    for (ParamSpec s : layout.specs()) {
      results.add(t.compare("grad." + s.name(), "grad." + s.name(), slice(grads, layout, s, 1.0)));
    }
    return new ConformanceRunner.CaseResult(dir.getFileName().toString(), results, null);
  }

  /** Every parameter of {@code layout} from {@code prefix + name + ".npy"}, as one flat vector. */
  static double[] flatParams(CaseTensors t, ParamLayout layout, String prefix) throws IOException {
    double[] flat = new double[Math.toIntExact(layout.size())];
    for (ParamSpec s : layout.specs()) {
      HostTensor v = t.load(prefix + s.name());
      if (v.size() != s.size()) {
        throw new IllegalArgumentException(prefix + s.name() + ": " + v.size() + " values, the layout has " + s.size());
      }
      System.arraycopy(v.data(), 0, flat, Math.toIntExact(layout.offset(s.name())), v.size());
    }
    return flat;
  }

  /** Parameter {@code s}'s part of a flat vector, times {@code scale}, in its shape. */
  static HostTensor slice(double[] flat, ParamLayout layout, ParamSpec s, double scale) {
    int off = Math.toIntExact(layout.offset(s.name()));
    double[] v = new double[Math.toIntExact(s.size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = flat[off + i] * scale;
    }
    return HostTensor.of(v, s.shape());
  }
}
