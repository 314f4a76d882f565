using System.Text.Json.Nodes;
using MoT.Contracts.Sweeps;
using MoT.Grains.Configs;

namespace MoT.Grains.Sweeps;

/// <summary>A finished trial as TPE sees it: its sampled values and the loss to minimise.</summary>
public sealed record TpeObservation(IReadOnlyDictionary<string, JsonNode?> Values, double Loss);

/// <summary>
/// Tree-structured Parzen Estimator (Bergstra et al. 2011), independent per parameter as in Optuna's default.
/// Observations are split at the gamma quantile of loss into good and bad; each parameter gets a Parzen density
/// l(x) from the good values and g(x) from the bad ones (both mixed with the prior); candidates drawn from l are
/// ranked by l(x)/g(x). Conditional parameters only learn from trials in which they were active.
/// </summary>
public sealed class TpeSampler(IReadOnlyList<SearchParameter> space, int seed, int startupTrials = 8, double gamma = 0.25, int candidates = 24)
{
    private const double PriorWeight = 1.0;

    /// <summary>Proposes trial <paramref name="trialIndex"/> from the history; deterministic for the same inputs.</summary>
    public TrialPlan Propose(int trialIndex, IReadOnlyList<TpeObservation> history, JsonObject baseConfig)
    {
        var random = new Random(SearchSpace.TrialSeed(seed, trialIndex));
        var ranked = history.Where(h => double.IsFinite(h.Loss)).OrderBy(h => h.Loss).ToList();
        return SearchSpace.Sample(space, baseConfig, (p, _) => ProposeValue(p, ranked, random));
    }

    private JsonNode? ProposeValue(SearchParameter p, List<TpeObservation> ranked, Random random)
    {
        var relevant = ranked.Where(h => h.Values.ContainsKey(p.Path)).ToList();
        if (relevant.Count < startupTrials)
        {
            return SearchSpace.SampleUniformly(p, random);
        }

        var goodCount = Math.Max(1, (int)Math.Ceiling(gamma * relevant.Count));
        var good = relevant.Take(goodCount).Select(h => h.Values[p.Path]).ToList();
        var bad = relevant.Skip(goodCount).Select(h => h.Values[p.Path]).ToList();

        return p.Kind == ParameterKind.Choice
            ? ProposeChoice(p, good, bad, random)
            : ProposeNumeric(p, good, bad, random);
    }

    private JsonNode? ProposeChoice(SearchParameter p, List<JsonNode?> good, List<JsonNode?> bad, Random random)
    {
        var options = SearchSpace.DiscreteValues(p);
        double[] Weights(List<JsonNode?> values) => options
            .Select(o => PriorWeight + values.Count(v => JsonNode.DeepEquals(v, o)))
            .ToArray();

        var l = Normalise(Weights(good));
        var g = Normalise(Weights(bad));
        var best = -1;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < candidates; c++)
        {
            var k = SampleIndex(l, random);
            var score = Math.Log(l[k]) - Math.Log(g[k]);
            if (score > bestScore)
            {
                bestScore = score;
                best = k;
            }
        }

        return options[best]?.DeepClone();
    }

    private JsonNode? ProposeNumeric(SearchParameter p, List<JsonNode?> good, List<JsonNode?> bad, Random random)
    {
        // Work in a space where the prior is uniform: log for logUniform, index-continuous for int.
        var isLog = p.Kind == ParameterKind.LogUniform;
        var isInt = p.Kind == ParameterKind.Int;
        var step = p.Step ?? 1;
        var low = isLog ? Math.Log(p.Low!.Value) : p.Low!.Value - (isInt ? step / 2 : 0);
        var high = isLog ? Math.Log(p.High!.Value) : p.High!.Value + (isInt ? step / 2 : 0);
        double ToSpace(JsonNode? v)
        {
            var x = v is JsonValue jv && jv.TryGetValue<double>(out var d) ? d : (low + high) / 2;
            return isLog ? Math.Log(Math.Max(x, p.Low.Value)) : x;
        }

        var l = new Parzen(good.Select(ToSpace).ToArray(), low, high);
        var g = new Parzen(bad.Select(ToSpace).ToArray(), low, high);
        var best = double.NaN;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < candidates; c++)
        {
            var x = l.Sample(random);
            var score = l.LogDensity(x) - g.LogDensity(x);
            if (score > bestScore)
            {
                bestScore = score;
                best = x;
            }
        }

        if (isLog)
        {
            return JsonValue.Create(Math.Clamp(Math.Exp(best), p.Low.Value, p.High!.Value));
        }

        if (isInt)
        {
            var index = (int)Math.Round((best - p.Low.Value) / step);
            return JsonValue.Create(SearchSpace.IntValue(p, Math.Clamp(index, 0, SearchSpace.IntCount(p) - 1)));
        }

        return JsonValue.Create(Math.Clamp(best, p.Low.Value, p.High!.Value));
    }

    private static double[] Normalise(double[] weights)
    {
        var sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }

    private static int SampleIndex(double[] probabilities, Random random)
    {
        var u = random.NextDouble();
        for (var i = 0; i < probabilities.Length; i++)
        {
            u -= probabilities[i];
            if (u <= 0)
            {
                return i;
            }
        }

        return probabilities.Length - 1;
    }

    /// <summary>Truncated Gaussian mixture on [low, high] plus a uniform prior component.</summary>
    private sealed class Parzen
    {
        private readonly double[] _mus;
        private readonly double[] _sigmas;
        private readonly double[] _masses;
        private readonly double _low;
        private readonly double _high;

        public Parzen(double[] points, double low, double high)
        {
            _low = low;
            _high = high;
            _mus = points.Select(x => Math.Clamp(x, low, high)).ToArray();
            var range = high - low;
            var sorted = _mus.Order().ToArray();

            // Bandwidth per point from its neighbours (as in the original TPE), bounded to a sane range.
            _sigmas = _mus.Select(mu =>
            {
                var index = Array.BinarySearch(sorted, mu);
                var left = index > 0 ? mu - sorted[index - 1] : mu - low;
                var right = index < sorted.Length - 1 ? sorted[index + 1] - mu : high - mu;
                var sigma = Math.Max(left, right);
                return Math.Clamp(sigma, range / Math.Min(100.0, 1.0 + sorted.Length), range);
            }).ToArray();
            _masses = _mus.Select((mu, i) => NormalCdf((high - mu) / _sigmas[i]) - NormalCdf((low - mu) / _sigmas[i])).ToArray();
        }

        private int Components => _mus.Length + 1;

        public double Sample(Random random)
        {
            var k = random.Next(Components);
            if (k == _mus.Length)
            {
                return _low + (random.NextDouble() * (_high - _low));
            }

            for (var attempt = 0; attempt < 32; attempt++)
            {
                var x = _mus[k] + (_sigmas[k] * StandardNormal(random));
                if (x >= _low && x <= _high)
                {
                    return x;
                }
            }

            return Math.Clamp(_mus[k], _low, _high);
        }

        public double LogDensity(double x)
        {
            var density = PriorWeight / (_high - _low);
            for (var i = 0; i < _mus.Length; i++)
            {
                var z = (x - _mus[i]) / _sigmas[i];
                density += Math.Exp(-0.5 * z * z) / (_sigmas[i] * Math.Sqrt(2 * Math.PI) * Math.Max(_masses[i], 1e-12));
            }

            return Math.Log(density / Components);
        }

        private static double StandardNormal(Random random)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }

        private static double NormalCdf(double z) => 0.5 * (1.0 + Erf(z / Math.Sqrt(2.0)));

        private static double Erf(double x)
        {
            // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): ample for kernel mass.
            var sign = Math.Sign(x);
            x = Math.Abs(x);
            var t = 1.0 / (1.0 + (0.3275911 * x));
            var y = 1.0 - ((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
            return sign * y;
        }
    }
}
