package org.lactspark.kernel.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lactspark.conf.ModelConfig;
import org.lactspark.kernel.DType;
import org.lactspark.kernel.HostTensor;
import org.lactspark.kernel.golden.CaseTensors;
import org.lactspark.kernel.golden.ConformanceRunner;
import org.lactspark.kernel.golden.CaseSuite;
import org.lactspark.kernel.golden.ModelCases;
import org.lactspark.kernel.model.LossTargets;
import org.lactspark.kernel.model.ModelEngine.LossSum;
import org.lactspark.kernel.model.TokenBatch;
import org.lactspark.kernel.params.LactModelLayout;
import org.lactspark.kernel.params.ParamLayout;
import org.lactspark.kernel.params.ParamSpec;
import org.lactspark.kernel.spi.KernelBackend;

/**
 * The {@code fixtures/lact-model} cases on the native CUDA model (the {@code cuda} backend's own
 * whole model, so it is preferred over the ND4J model for that backend): logits, the mean loss
 * and every parameter's gradient, under the case's tolerances. Needs neither ND4J nor DL4J, so it
 * runs on a GPU host that carries only the kernel jars.
 */
public final class CudaModelSuite extends CaseSuite {
  /** The model suite for the {@code cuda} backend. */
  public CudaModelSuite() {
    super("model", MODEL_TITLE, CudaBackend.NAME);
  }

  @Override
  protected ConformanceRunner.CaseResult runOrThrow(Path dir, KernelBackend backend, DType dtype) throws IOException {
    JsonNode c = new ObjectMapper().readTree(dir.resolve("case.json").toFile());
    CaseTensors t = new CaseTensors(dir, c.path("tolerances"), dtype);
    ModelConfig config = ModelCases.config(c, dir + "/case.json");
    ParamLayout layout = LactModelLayout.of(config);
    double[] flat = CudaLayerSuite.flatParams(t, layout, "param.");
    HostTensor ids = t.load("input_ids");
    HostTensor labels = t.load("labels");
    if (ids.rank() != 2 || labels.size() != ids.size()) {
      throw new IllegalArgumentException(dir + ": input_ids must be [batch, length] and labels of the same shape");
    }
    int b = ids.dim(0);
    int len = ids.dim(1);
    int[] docs = ModelCases.documents(t, dir, b, len);
    TokenBatch batch = docs == null ? TokenBatch.of(b, len, integers(ids, "input_ids"))
        : new TokenBatch(b, len, integers(ids, "input_ids"), docs);
    int[] targets = LossTargets.of(b, len, integers(labels, "labels"), docs, config.documentRestart(), config.vocabSize());
    double[] logits = new double[b * len * config.vocabSize()];
    LossSum loss;
    double[] grads;
    try (CudaModel m = CudaModel.open(config, dtype)) {
      m.setParams(flat);
      loss = m.step(batch, targets, true, logits);
      grads = m.takeGradient64();
    }
    List<ConformanceRunner.TensorResult> results = new ArrayList<>();
    results.add(t.compare("logits", "logits", HostTensor.of(logits, b, len, config.vocabSize())));
    results.add(t.compare("loss", "loss", HostTensor.of(new double[] {loss.mean()}, 1)));
    double scale = loss.scored() == 0 ? 0.0 : 1.0 / loss.scored();
    for (ParamSpec s : layout.specs()) {
      results.add(t.compare("grad." + s.name(), "grad." + s.name(), CudaLayerSuite.slice(grads, layout, s, scale)));
    }
    return new ConformanceRunner.CaseResult(dir.getFileName().toString(), results, null);
  }

  /** The values of an integer tensor stored as float64 (ids, labels). */
  static int[] integers(HostTensor t, String what) {
    double[] v = t.data();
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      if (v[i] != Math.rint(v[i])) {
        throw new IllegalArgumentException(what + ": value " + v[i] + " at " + i + " is not an integer");
      }
      out[i] = (int) v[i];
    }
    return out;
  }
}
