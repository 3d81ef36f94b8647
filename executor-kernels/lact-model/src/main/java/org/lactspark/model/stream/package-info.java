/**
 * Streaming inference: a LaCT language model run on one sequence piece by piece
 * ({@link org.lactspark.model.stream.StreamingModel}), carrying per layer the fast weights and
 * momentum, the attention window's keys and values, the partial chunk and the position, with the
 * same logits as the whole-sequence forward; and greedy generation from a prompt on top of it
 * ({@link org.lactspark.model.stream.Generator}). Memory is bounded by the window, the chunk and
 * the fast weights, not by the length streamed, which may exceed the training context.
 */
package org.lactspark.model.stream;
