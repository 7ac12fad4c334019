package io.portcullis.runtime.routing;

import io.portcullis.api.model.Usage;
import io.portcullis.runtime.config.GatewayConfig;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * The {@code prices:} table: what a target's model costs, and what a call cost from its real usage.
 * A price for {@code <provider>/<model>} beats one for {@code <model>}, so that a provider with its own rates (an
 * Azure deployment, a reseller) can be priced apart.
 */
final class PriceTable {

    private static final double PER_MILLION = 1_000_000.0;

    private final Map<String, GatewayConfig.Price> prices;

    PriceTable(Map<String, GatewayConfig.Price> prices) {
        this.prices = Map.copyOf(prices);
    }

    /** @return the price of a provider's model, or {@code null} when the table has none */
    GatewayConfig.Price priceOf(String providerId, String upstreamModel) {
        GatewayConfig.Price specific = prices.get(providerId + "/" + upstreamModel);
        return specific != null ? specific : prices.get(upstreamModel);
    }

    /** @return the cost in US dollars of a call with this usage, or {@code null} without a price or a usage */
    static Double cost(GatewayConfig.Price price, Usage usage) {
        if (price == null || usage == null) {
            return null;
        }
        return (usage.promptTokens() * price.input() + usage.completionTokens() * price.output()) / PER_MILLION;
    }

    /** @return a cost as the response header shows it: plain decimal dollars, at most ten places, no exponent */
    static String format(double usd) {
        return BigDecimal.valueOf(usd).setScale(10, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
