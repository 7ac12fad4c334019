package io.portcullis.plugins.mock;

import java.util.SplittableRandom;

/**
 * Makes the mock's embedding vectors: a direction drawn at random with the text's hash as the seed, so the same
 * text always gets the same vector and different texts get (with overwhelming probability) different ones.
 *
 * <p>The vectors carry no meaning (two paraphrases are as far apart as two unrelated texts); they exist so that
 * embeddings plumbing, caches and indexes can be tested without a model.
 */
final class MockEmbeddings {

    private MockEmbeddings() {
    }

    /**
     * @param text       the text to embed
     * @param dimensions the vector's length, at least 1
     * @return a vector of Euclidean length 1
     */
    static float[] vector(String text, int dimensions) {
        SplittableRandom random = new SplittableRandom(ContentHash.seed(text));
        double[] values = new double[dimensions];
        double sumOfSquares = 0;
        for (int i = 0; i < dimensions; i++) {
            // Gaussian components make every direction equally likely; uniform ones would favour the corners.
            values[i] = random.nextGaussian();
            sumOfSquares += values[i] * values[i];
        }
        double norm = Math.sqrt(sumOfSquares);
        float[] vector = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (values[i] / norm);
        }
        return vector;
    }
}
