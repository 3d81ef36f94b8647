package org.lactspark.model.layer;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Connects a tied LM head ({@code tie_word_embeddings}) to the token embedding whose matrix it
 * uses. DL4J layers cannot share a parameter, so the head holds none: it reads the embedding's
 * weight and hands its weight gradient to the embedding, which adds it to its own. The connection
 * is runtime state, so it is made again whenever a graph is built or loaded.
 */
public final class TiedEmbeddings {
  private TiedEmbeddings() {}

  /**
   * Connects vertex {@code head} to vertex {@code embedding} of {@code graph} if the head is tied;
   * does nothing otherwise.
   *
   * @throws IllegalStateException if a tied head has no token embedding to use
   */
  public static void connect(ComputationGraph graph, String embedding, String head) {
    Layer h = graph.getLayer(head);
    if (!(h instanceof LmHeadLayerImpl lm) || !lm.layerConf().isTiedToEmbedding()) {
      return;
    }
    Layer e = graph.getLayer(embedding);
    if (!(e instanceof TokenEmbeddingLayerImpl emb)) {
      throw new IllegalStateException("tied LM head '" + head + "' needs a token embedding vertex '" + embedding
          + "', found " + (e == null ? "none" : e.getClass().getSimpleName()));
    }
    lm.tieTo(emb);
  }
}
