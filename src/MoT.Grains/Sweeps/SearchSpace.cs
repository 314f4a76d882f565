using System.Globalization;
using System.Text.Json.Nodes;
using MoT.Contracts.Sweeps;
using MoT.Grains.Configs;

namespace MoT.Grains.Sweeps;

/// <summary>One trial's sampled values, keyed by config path, and the config they produce.</summary>
public sealed record TrialPlan(IReadOnlyDictionary<string, JsonNode?> Values, string ConfigJson)
{
    /// <summary>The sampled values as a JSON object keyed by path.</summary>
    public string ParametersJson
    {
        get
        {
            var obj = new JsonObject();
            foreach (var (path, value) in Values)
            {
                obj[path] = value?.DeepClone();
            }

            return obj.ToJsonString();
        }
    }
}

/// <summary>Validation and expansion of a sweep's search space (grid and random); TPE lives in <see cref="TpeSampler"/>.</summary>
public static class SearchSpace
{
    /// <summary>Most runs one grid may expand to when the rules say nothing else.</summary>
    public const int MaxGridRuns = 10_000;

    /// <summary>Every problem with the spec, each named by its field path; empty when the spec is valid.</summary>
    public static IReadOnlyList<SpecError> Validate(SweepSpec spec) => Validate(spec, BasicRunConfigRules.Instance);

    /// <summary>
    /// Every problem with the spec, each named by its field path; empty when the spec is valid. Every candidate value
    /// (each choice, both ends of a range) is checked against <paramref name="rules"/>, as is the base config.
    /// </summary>
    public static IReadOnlyList<SpecError> Validate(SweepSpec spec, IRunConfigRules rules)
    {
        var errors = new List<SpecError>();
        void Add(string path, string message) => errors.Add(new SpecError(path, message));

        if (string.IsNullOrWhiteSpace(spec.Owner))
        {
            Add("owner", "is required");
        }

        if (spec.Name is { } name && (name.Length > rules.MaxNameLength || name.Any(char.IsControl)))
        {
            Add("name", name.Length > rules.MaxNameLength
                ? $"is {name.Length:N0} characters long; at most {rules.MaxNameLength:N0} are allowed (limit MaxNameLength)"
                : "must not contain control characters (tabs, line breaks ...)");
        }

        JsonConfig.TryParseObject(spec.BaseConfigJson, out var baseConfig, out var baseError);
        if (baseError is not null)
        {
            Add("baseConfigJson", baseError);
        }
        else
        {
            foreach (var problem in rules.CheckConfig(spec.BaseConfigJson))
            {
                Add($"baseConfigJson.{problem.Path}", problem.Message);
            }
        }

        if (!Enum.IsDefined(spec.Method))
        {
            Add("method", $"'{spec.Method}' is not one of grid, random, tpe");
        }

        if (spec.MaxConcurrentRuns < 1)
        {
            Add("maxConcurrentRuns", $"must be at least 1 (was {spec.MaxConcurrentRuns})");
        }

        if (spec.MaxRuns is { } maxRuns && (maxRuns < 1 || maxRuns > rules.MaxRuns))
        {
            Add("maxRuns", $"must be from 1 to {rules.MaxRuns:N0} (limit MaxRuns) (was {maxRuns})");
        }
        else if (spec.MaxRuns is null && spec.Method is SearchMethod.Random or SearchMethod.Tpe)
        {
            Add("maxRuns", $"is required for method {spec.Method.ToString().ToLowerInvariant()}");
        }

        if (spec.Method == SearchMethod.Tpe && spec.TpeStartupTrials < 1)
        {
            Add("tpeStartupTrials", $"must be at least 1 (was {spec.TpeStartupTrials})");
        }

        if (spec.SearchSpace is null || spec.SearchSpace.Count == 0)
        {
            Add("searchSpace", "must contain at least one parameter");
        }
        else
        {
            ValidateParameters(spec, baseConfig, rules, Add);
        }

        if (spec.EarlyStopping is { } asha)
        {
            if (asha.MinSteps < 1)
            {
                Add("earlyStopping.minSteps", $"must be at least 1 (was {asha.MinSteps})");
            }

            if (asha.ReductionFactor < 2)
            {
                Add("earlyStopping.reductionFactor", $"must be at least 2 (was {asha.ReductionFactor})");
            }

            if (asha.MaxSteps <= asha.MinSteps)
            {
                Add("earlyStopping.maxSteps", $"must be greater than minSteps ({asha.MinSteps}) (was {asha.MaxSteps})");
            }
        }

        if (errors.Count == 0 && spec.Method == SearchMethod.Grid && baseConfig is not null)
        {
            var count = CountGrid(spec, baseConfig, rules.MaxGridSize);
            if (count > rules.MaxGridSize)
            {
                Add("searchSpace", $"grid expands to more than {rules.MaxGridSize:N0} runs (limit MaxGridSize)");
            }
            else if (spec.MaxRuns is { } budget && count > budget)
            {
                Add("maxRuns", $"grid expands to {count} runs, more than the budget of {budget}");
            }
        }

        return errors;
    }

    private static void ValidateParameters(SweepSpec spec, JsonObject? baseConfig, IRunConfigRules rules, Action<string, string> add)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < spec.SearchSpace.Count; i++)
        {
            var p = spec.SearchSpace[i];
            var at = $"searchSpace[{i}]";
            if (p is null)
            {
                add(at, "is null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(p.Path) || p.Path.Split('.').Any(string.IsNullOrWhiteSpace))
            {
                add($"{at}.path", $"'{p.Path}' is not a dotted config path such as training.lr");
            }
            else if (rules.CheckPath(p.Path) is { } pathProblem)
            {
                add($"{at}.path", pathProblem);
                continue;
            }
            else if (!seen.Add(p.Path))
            {
                add($"{at}.path", $"'{p.Path}' is searched twice");
            }

            switch (p.Kind)
            {
                case ParameterKind.Choice:
                    if (p.Values is null || p.Values.Count == 0)
                    {
                        add($"{at}.values", "a choice needs at least one value");
                        break;
                    }

                    for (var j = 0; j < p.Values.Count; j++)
                    {
                        if (p.Values[j] is null)
                        {
                            add($"{at}.values[{j}]", "is null");
                        }
                        else if (rules.CheckValue(p.Path, JsonConfig.ParseLiteral(p.Values[j])) is { } problem)
                        {
                            add($"{at}.values[{j}]", problem);
                        }
                    }

                    break;
                case ParameterKind.Uniform or ParameterKind.LogUniform or ParameterKind.Int:
                    ValidateRange(spec.Method, p, at, add);
                    if (p.Kind != ParameterKind.Int && rules.IsWholeNumber(p.Path))
                    {
                        add($"{at}.kind", $"{p.Path} is a whole number: search it with int or choice");
                    }

                    foreach (var (end, bound) in new[] { ("low", p.Low), ("high", p.High) })
                    {
                        if (bound is { } value && double.IsFinite(value) && rules.CheckValue(p.Path, p.Kind == ParameterKind.Int ? JsonValue.Create((long)Math.Clamp(value, -9e15, 9e15)) : JsonValue.Create(value)) is { } problem)
                        {
                            add($"{at}.{end}", problem);
                        }
                    }

                    break;
                default:
                    add($"{at}.kind", $"'{p.Kind}' is not one of choice, uniform, logUniform, int");
                    break;
            }

            if (p.Condition is { } condition)
            {
                if (string.IsNullOrWhiteSpace(condition.Path))
                {
                    add($"{at}.condition.path", "is required");
                }
                else
                {
                    var setEarlier = spec.SearchSpace.Take(i).Any(q => q?.Path == condition.Path);
                    var inBase = baseConfig is not null && JsonConfig.Get(baseConfig, condition.Path) is not null;
                    if (!setEarlier && !inBase)
                    {
                        add($"{at}.condition.path", $"'{condition.Path}' is neither in the base config nor searched by an earlier parameter");
                    }
                }

                if (condition.Values is null || condition.Values.Count == 0)
                {
                    add($"{at}.condition.values", "needs at least one value");
                }
            }
        }
    }

    private static void ValidateRange(SearchMethod method, SearchParameter p, string at, Action<string, string> add)
    {
        if (p.Low is null)
        {
            add($"{at}.low", "is required");
        }

        if (p.High is null)
        {
            add($"{at}.high", "is required");
        }

        if (p.Low is { } l && !double.IsFinite(l))
        {
            add($"{at}.low", "must be a finite number");
            return;
        }

        if (p.High is { } h && !double.IsFinite(h))
        {
            add($"{at}.high", "must be a finite number");
            return;
        }

        if (p.Low is { } low && p.High is { } high)
        {
            if (p.Kind == ParameterKind.Int && (Math.Abs(low) > MaxExactInteger || Math.Abs(high) > MaxExactInteger || (high - low) / Math.Max(1, p.Step ?? 1) >= int.MaxValue))
            {
                add($"{at}.high", $"an int range may span at most {int.MaxValue:N0} values with bounds within ±{MaxExactInteger:N0} (was {JsonConfig.Format(low)} to {JsonConfig.Format(high)})");
                return;
            }

            if (!(low < high) && !(p.Kind == ParameterKind.Int && low == high))
            {
                add($"{at}.high", $"must be greater than low ({JsonConfig.Format(low)}) (was {JsonConfig.Format(high)})");
            }

            if (p.Kind == ParameterKind.LogUniform && low <= 0)
            {
                add($"{at}.low", $"must be positive for logUniform (was {JsonConfig.Format(low)})");
            }

            if (p.Kind == ParameterKind.Int && (low != Math.Floor(low) || high != Math.Floor(high)))
            {
                add($"{at}.low", "int bounds must be whole numbers");
            }
        }

        if (p.Kind == ParameterKind.Int && p.Step is { } step && (step < 1 || step != Math.Floor(step) || !double.IsFinite(step)))
        {
            add($"{at}.step", $"must be a whole number of at least 1 (was {JsonConfig.Format(step)})");
        }

        if (p.Kind != ParameterKind.Int && p.Step is not null)
        {
            add($"{at}.step", "only int parameters take a step");
        }

        if (method == SearchMethod.Grid && p.Kind is ParameterKind.Uniform or ParameterKind.LogUniform)
        {
            add($"{at}.kind", $"{p.Kind} is continuous; a grid needs choice or int values");
        }
    }

    /// <summary>True when the parameter's condition (if any) holds for the config built so far.</summary>
    public static bool IsActive(SearchParameter parameter, JsonObject config) =>
        parameter.Condition is not { } condition
        || condition.Values.Any(v => JsonConfig.ValueEquals(JsonConfig.Get(config, condition.Path), v));

    /// <summary>The discrete values of a choice or int parameter, in order.</summary>
    public static IReadOnlyList<JsonNode?> DiscreteValues(SearchParameter parameter)
    {
        if (parameter.Kind == ParameterKind.Choice)
        {
            return parameter.Values!.Select(JsonConfig.ParseLiteral).ToList();
        }

        var step = (long)(parameter.Step ?? 1);
        var values = new List<JsonNode?>();
        for (var v = (long)parameter.Low!.Value; v <= (long)parameter.High!.Value; v += step)
        {
            values.Add(JsonValue.Create(v));
        }

        return values;
    }

    /// <summary>The discrete values one at a time (counting a huge range must not build it first).</summary>
    private static IEnumerable<JsonNode?> EnumerateDiscreteValues(SearchParameter parameter)
    {
        if (parameter.Kind == ParameterKind.Choice)
        {
            foreach (var literal in parameter.Values!)
            {
                yield return JsonConfig.ParseLiteral(literal);
            }

            yield break;
        }

        var step = (long)(parameter.Step ?? 1);
        for (var v = (long)parameter.Low!.Value; v <= (long)parameter.High!.Value; v += step)
        {
            yield return JsonValue.Create(v);
        }
    }

    /// <summary>Every combination of the grid; conditional parameters multiply only where their condition holds.</summary>
    public static IReadOnlyList<TrialPlan> ExpandGrid(SweepSpec spec)
    {
        var baseConfig = JsonConfig.ParseObject(spec.BaseConfigJson);
        var plans = new List<TrialPlan>();
        Expand(spec.SearchSpace, 0, baseConfig, [], plans);
        return plans;
    }

    /// <summary>Whole numbers beyond this lose precision as JSON numbers (doubles).</summary>
    private const double MaxExactInteger = 9_007_199_254_740_991;

    private static int CountGrid(SweepSpec spec, JsonObject baseConfig, int limit)
    {
        var count = 0;
        CountInto(spec.SearchSpace, 0, baseConfig, ref count, limit);
        return count;
    }

    private static void CountInto(IReadOnlyList<SearchParameter> space, int index, JsonObject config, ref int count, int limit)
    {
        if (count > limit)
        {
            return;
        }

        if (index == space.Count)
        {
            count++;
            return;
        }

        var p = space[index];
        if (!IsActive(p, config))
        {
            CountInto(space, index + 1, config, ref count, limit);
            return;
        }

        foreach (var value in EnumerateDiscreteValues(p))
        {
            if (count > limit)
            {
                return;
            }

            var next = (JsonObject)config.DeepClone();
            JsonConfig.Set(next, p.Path, value?.DeepClone());
            CountInto(space, index + 1, next, ref count, limit);
        }
    }

    private static void Expand(IReadOnlyList<SearchParameter> space, int index, JsonObject config, List<KeyValuePair<string, JsonNode?>> chosen, List<TrialPlan> plans)
    {
        if (index == space.Count)
        {
            plans.Add(new TrialPlan(chosen.ToDictionary(kv => kv.Key, kv => kv.Value), config.ToJsonString()));
            return;
        }

        var p = space[index];
        if (!IsActive(p, config))
        {
            Expand(space, index + 1, config, chosen, plans);
            return;
        }

        foreach (var value in DiscreteValues(p))
        {
            var next = (JsonObject)config.DeepClone();
            JsonConfig.Set(next, p.Path, value?.DeepClone());
            chosen.Add(new(p.Path, value?.DeepClone()));
            Expand(space, index + 1, next, chosen, plans);
            chosen.RemoveAt(chosen.Count - 1);
        }
    }

    /// <summary>Trial <paramref name="trialIndex"/> of a random sweep: the same (seed, index) always gives the same trial.</summary>
    public static TrialPlan SampleRandom(SweepSpec spec, int trialIndex)
    {
        var random = new Random(TrialSeed(spec.Seed ?? 0, trialIndex));
        return Sample(spec.SearchSpace, JsonConfig.ParseObject(spec.BaseConfigJson), (p, _) => SampleUniformly(p, random));
    }

    /// <summary>Builds a trial by visiting parameters in order, skipping inactive ones; <paramref name="pick"/> chooses each value.</summary>
    public static TrialPlan Sample(IReadOnlyList<SearchParameter> space, JsonObject baseConfig, Func<SearchParameter, JsonObject, JsonNode?> pick)
    {
        var config = (JsonObject)baseConfig.DeepClone();
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var p in space)
        {
            if (!IsActive(p, config))
            {
                continue;
            }

            var value = pick(p, config);
            values[p.Path] = value?.DeepClone();
            JsonConfig.Set(config, p.Path, value);
        }

        return new TrialPlan(values, config.ToJsonString());
    }

    /// <summary>A value drawn from the parameter's prior.</summary>
    public static JsonNode? SampleUniformly(SearchParameter p, Random random) => p.Kind switch
    {
        ParameterKind.Choice => JsonConfig.ParseLiteral(p.Values![random.Next(p.Values.Count)]),
        ParameterKind.Uniform => JsonValue.Create(p.Low!.Value + (random.NextDouble() * (p.High!.Value - p.Low.Value))),
        ParameterKind.LogUniform => JsonValue.Create(Math.Exp(Math.Log(p.Low!.Value) + (random.NextDouble() * (Math.Log(p.High!.Value) - Math.Log(p.Low.Value))))),
        ParameterKind.Int => JsonValue.Create(IntValue(p, random.Next(IntCount(p)))),
        _ => throw new InvalidOperationException($"Unknown parameter kind {p.Kind}"),
    };

    internal static int IntCount(SearchParameter p) => (int)(((long)p.High!.Value - (long)p.Low!.Value) / (long)(p.Step ?? 1)) + 1;

    internal static long IntValue(SearchParameter p, int index) => (long)p.Low!.Value + (index * (long)(p.Step ?? 1));

    /// <summary>A per-trial seed mixing the sweep seed and the trial index.</summary>
    public static int TrialSeed(int seed, int trialIndex)
    {
        // SplitMix64 finaliser: stable across processes (HashCode.Combine is randomised per process).
        unchecked
        {
            var x = ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL) + ((ulong)(uint)trialIndex * 0xBF58476D1CE4E5B9UL) + 0x5EEDUL;
            x ^= x >> 31;
            x *= 0x94D049BB133111EBUL;
            x ^= x >> 29;
            return (int)(x & int.MaxValue);
        }
    }

    internal static string Describe(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
