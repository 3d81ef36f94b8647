package org.lactspark.driver.eval.report;

import java.util.ArrayList;
import java.util.List;
import org.lactspark.driver.eval.EvalReport;
import org.lactspark.driver.eval.EvalReport.ModelResult;
import org.lactspark.driver.eval.EvalReport.ProbeResult;

/**
 * One model's results under the name the report shows for it: its label, made distinct from the
 * other models' (two baselines may carry one label, and legends need distinct names).
 *
 * @param name the distinct label
 * @param result the results
 */
record Model(String name, ModelResult result) {

  /** The report's models in order, named; none when the report lists none. */
  static List<Model> of(EvalReport report) {
    List<ModelResult> results = report.models() == null ? List.of() : report.models();
    List<String> labels = new ArrayList<>();
    results.forEach(r -> labels.add(r.label()));
    List<String> names = Names.distinct(labels);
    List<Model> out = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      out.add(new Model(names.get(i), results.get(i)));
    }
    return out;
  }

  /** The probe results, never null. */
  List<ProbeResult> probes() {
    return result.retrieval() == null ? List.of() : result.retrieval();
  }

  /** Whether the model has loss-by-position buckets. */
  boolean hasPositions() {
    return result.positions() != null && result.positions().buckets() != null
        && !result.positions().buckets().isEmpty();
  }
}
