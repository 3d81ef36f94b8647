package org.lactspark.model.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lactspark.conf.ModelConfig;
import org.lactspark.conf.preset.Presets;
import org.lactspark.data.probe.KeyValueRecall;

/**
 * One configuration of the key-value recall experiment: the task, the model (the {@code tiny}
 * preset with a short window so the pairs lie beyond it), and the training run. Every field can be
 * overridden with a system property {@code lact.recall.<field>}.
 */
public record RecallSettings(int seqLen, int pairs, int distance, int window, int chunk, int batch, int steps,
    double lr, long seed) {

  static RecallSettings fromProperties(RecallSettings defaults) {
    return new RecallSettings(
        Integer.getInteger("lact.recall.seqLen", defaults.seqLen),
        Integer.getInteger("lact.recall.pairs", defaults.pairs),
        Integer.getInteger("lact.recall.distance", defaults.distance),
        Integer.getInteger("lact.recall.window", defaults.window),
        Integer.getInteger("lact.recall.chunk", defaults.chunk),
        Integer.getInteger("lact.recall.batch", defaults.batch),
        Integer.getInteger("lact.recall.steps", defaults.steps),
        Double.parseDouble(System.getProperty("lact.recall.lr", Double.toString(defaults.lr))),
        Long.getLong("lact.recall.seed", defaults.seed));
  }

  public KeyValueRecall task() {
    return new KeyValueRecall(seqLen, pairs, 1, 1, pairs, distance);
  }

  public ModelConfig model(boolean ttt) {
    List<String> o = new ArrayList<>(List.of("windowSize=" + window, "chunkSize=" + chunk,
        "contextLength=" + seqLen, "tttEnabled=" + ttt));
    return Presets.load("tiny", o);
  }

  String json(double recallOn, double recallOff, double secondsOn, double secondsOff) {
    return String.format(Locale.ROOT,
        "{\"probe\":\"kv-recall\",\"seq_len\":%d,\"pairs\":%d,\"distance\":%d,\"window\":%d,\"chunk\":%d,"
            + "\"batch\":%d,\"steps\":%d,\"lr\":%s,\"seed\":%d,\"recall_ttt\":%.4f,\"recall_no_ttt\":%.4f,"
            + "\"gap\":%.4f,\"seconds_ttt\":%.1f,\"seconds_no_ttt\":%.1f}",
        seqLen, pairs, distance, window, chunk, batch, steps, lr, seed, recallOn, recallOff,
        recallOn - recallOff, secondsOn, secondsOff);
  }
}
