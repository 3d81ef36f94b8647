package org.lactspark.driver.ml;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A partition's rows with their scores appended, read and scored {@code batchSize} rows at a time
 * so that a partition of any size is never held whole. Rows that score nothing (a null sequence, or
 * one of fewer than 2 tokens) take no place in the forward pass.
 */
final class ScoredRows implements Iterator<Row> {
  private final Iterator<Row> in;
  private final ScoringSetup setup;
  private final BatchScorer scorer;
  private final TokenRows parse;
  private final ArrayDeque<Row> ready = new ArrayDeque<>();

  ScoredRows(Iterator<Row> in, ScoringSetup setup, BatchScorer scorer) {
    this.in = in;
    this.setup = setup;
    this.scorer = scorer;
    this.parse = new TokenRows(setup);
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && in.hasNext()) {
      nextBatch();
    }
    return !ready.isEmpty();
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }

  private void nextBatch() {
    List<Row> rows = new ArrayList<>(setup.batchSize());
    while (rows.size() < setup.batchSize() && in.hasNext()) {
      rows.add(in.next());
    }
    SequenceLoss[] scores = new SequenceLoss[rows.size()];
    List<Integer> at = new ArrayList<>();
    List<int[]> tokens = new ArrayList<>();
    List<int[]> starts = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      int[] t = parse.tokens(rows.get(i));
      if (t == null) {
        continue; // a null sequence: null scores
      }
      if (t.length < 2) {
        scores[i] = SequenceLoss.none(t.length);
        continue;
      }
      at.add(i);
      tokens.add(t);
      starts.add(parse.starts(rows.get(i), t.length));
    }
    if (!tokens.isEmpty()) {
      List<SequenceLoss> s = scorer.score(tokens, starts);
      for (int k = 0; k < s.size(); k++) {
        scores[at.get(k)] = s.get(k);
      }
    }
    for (int i = 0; i < rows.size(); i++) {
      ready.add(withScores(rows.get(i), scores[i]));
    }
  }

  private Row withScores(Row row, SequenceLoss s) {
    ScorerColumns c = setup.columns();
    int n = row.length();
    Object[] v = new Object[n + 1 + (c.tokens().isEmpty() ? 0 : 1) + (c.positions().isEmpty() ? 0 : 1)];
    for (int i = 0; i < n; i++) {
      v[i] = row.get(i);
    }
    v[n++] = s == null ? null : s.mean();
    if (!c.tokens().isEmpty()) {
      v[n++] = s == null ? null : s.scored();
    }
    if (!c.positions().isEmpty()) {
      v[n] = s == null ? null : s.positions();
    }
    return RowFactory.create(v);
  }
}
