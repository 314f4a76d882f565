using System.Diagnostics;
using System.Text;
using MoT.Contracts.Sweeps;
using MoT.Grains.Sweeps;
using MoT.Silo.Sweeps;
using MoT.Training.Configuration;

namespace MoT.Silo.Tests.Sweeps;

/// <summary>
/// Thousands of random mutations of valid sweep files through the parser and validator: each gives clear errors or
/// a spec whose trials all pass the run-config schema, never an unexpected exception, in bounded time and memory.
/// </summary>
public sealed class SweepFuzzTests
{
    private static readonly string[] Seeds =
    [
        """
        name: grid-sweep
        preset: Transformer-Tiny
        steps: 20
        learningRate: 0.001
        method: grid
        maxConcurrentRuns: 2
        parameters:
          - path: training.lr
            kind: choice
            values: ["0.001", "0.002"]
          - path: training.batch_size
            kind: int
            low: 8
            high: 16
            step: 8
        """,
        """
        name: random-sweep
        preset: MoT-Tiny/8E
        steps: 200
        learningRate: 0.001
        method: random
        maxConcurrentRuns: 2
        maxRuns: 4
        seed: 7
        evalSet: demo-eval
        tokenizer: bytes
        parameters:
          - path: training.lr
            kind: log-uniform
            low: 0.0001
            high: 0.01
          - path: model.experts
            kind: choice
            values: [4, 8, 16]
        """,
        """
        name: tpe-sweep
        preset: TokenChoice-Tiny/8E
        steps: 100
        method: tpe
        maxRuns: 6
        priority: 3
        earlyStopping:
          minSteps: 10
          reductionFactor: 3
        parameters:
          - path: training.weight_decay
            kind: uniform
            low: 0
            high: 0.2
          - path: data.tokenizer
            kind: choice
            values: [bytes, bpe]
          - &warm
            path: training.warmup
            kind: int
            low: 0
            high: 20
        """,
    ];

    private static readonly string[] Fragments =
    [
        ":", "-", "[", "]", "{", "}", "&a", "*a", "!!str", "!!int", "\"", "'", "\n", " ", "  ", "\t", "#", "|", ">", "%", "@", "?", ",",
        "0", "-1", "1e999", ".inf", ".nan", "9223372036854775807", "99999999999999999999", "2147483648", "0x1F", "1_000", "~", "null",
        "true", "é", "\u0000", "\uFFFD", "\uD800", "values", "path", "kind", "low", "high", "step", "maxRuns", "training.lr", "model.family",
        "Banana", "MoT-Tiny/8E", "grid", "tpe", "---", "...", "<<: *a", "[[1, 2]]", "{a: 1}", "\"4,8\"", new string('x', 300),
    ];

    [Fact]
    public void Random_mutations_of_valid_sweep_files_give_clear_errors_or_valid_specs()
    {
        // MOT_FUZZ_SEED explores other mutations; the default keeps CI reproducible.
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("MOT_FUZZ_SEED"), out var seed) ? seed : 20261201);
        var clock = Stopwatch.StartNew();
        var (accepted, refused) = (0, 0);
        for (var i = 0; i < 3000; i++)
        {
            var yaml = Mutate(Seeds[i % Seeds.Length], random);
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var caseClock = Stopwatch.StartNew();
            SweepFileResult result;
            try
            {
                result = SweepFile.Parse(yaml, "fuzz");
            }
            catch (Exception error)
            {
                Assert.Fail($"case {i} threw {error}\n--- yaml ---\n{yaml}");
                return;
            }
            Assert.True(caseClock.Elapsed < TimeSpan.FromSeconds(5), $"case {i} took {caseClock.Elapsed}\n{yaml}");
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Assert.True(allocated < 64L * 1024 * 1024, $"case {i} allocated {allocated:N0} bytes\n{yaml}");

            if (result.Spec is { } spec)
            {
                accepted++;
                Assert.Empty(result.Errors);
                AssertTrialsAreValid(spec, i, yaml);
            }
            else
            {
                refused++;
                Assert.NotEmpty(result.Errors);
                foreach (var error in result.Errors)
                {
                    var line = $"{error.Path}: {error.Message}";
                    Assert.False(string.IsNullOrWhiteSpace(error.Message), $"case {i}: empty message\n{yaml}");
                    Assert.DoesNotContain('\n', line);
                    foreach (var forbidden in MalformedSweepCorpus.Forbidden)
                        Assert.False(line.Contains(forbidden, StringComparison.Ordinal), $"case {i}: '{forbidden}' in \"{line}\"\n{yaml}");
                }
            }
        }
        // Both outcomes must be exercised, or the mutations prove nothing.
        Assert.True(accepted > 100 && refused > 1000, $"accepted {accepted}, refused {refused}");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"took {clock.Elapsed}");
    }

    /// <summary>An accepted spec is one the grains accept and whose trials (the first few) are valid run configs.</summary>
    private static void AssertTrialsAreValid(SweepSpec spec, int index, string yaml)
    {
        Assert.Empty(SearchSpace.Validate(spec, SchemaRunConfigRules.Default));
        var trials = spec.Method == SearchMethod.Grid
            ? SearchSpace.ExpandGrid(spec).Take(20)
            : Enumerable.Range(0, Math.Min(spec.MaxRuns ?? 1, 20)).Select(t => SearchSpace.SampleRandom(spec, t));
        foreach (var trial in trials)
        {
            var problems = RunConfigSchema.Default.Validate(trial.ConfigJson);
            Assert.True(problems.Count == 0, $"case {index}: accepted, but a trial is invalid: {string.Join("; ", problems)}\n{trial.ConfigJson}\n{yaml}");
        }
    }

    private static string Mutate(string yaml, Random random)
    {
        var text = new StringBuilder(yaml);
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits; e++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length);
            switch (random.Next(6))
            {
                case 0 when text.Length > 0:
                    text.Remove(at, Math.Min(1 + random.Next(4), text.Length - at));
                    break;
                case 1:
                    text.Insert(at, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 2:
                    // replace one token (a run of non-space characters) with a fragment
                    var start = at;
                    while (start > 0 && !char.IsWhiteSpace(text[start - 1])) start--;
                    var end = at;
                    while (end < text.Length && !char.IsWhiteSpace(text[end])) end++;
                    text.Remove(start, end - start).Insert(start, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 3:
                    var lines = text.ToString().Split('\n').ToList();
                    var line = random.Next(lines.Count);
                    lines.Insert(random.Next(lines.Count + 1), lines[line]); // duplicate a line (duplicate keys, repeated items)
                    text.Clear().Append(string.Join('\n', lines));
                    break;
                case 4:
                    var all = text.ToString().Split('\n').ToList();
                    var (a, b) = (random.Next(all.Count), random.Next(all.Count));
                    (all[a], all[b]) = (all[b], all[a]);
                    text.Clear().Append(string.Join('\n', all));
                    break;
                default:
                    // change a digit: numbers drift in and out of range
                    for (var k = at; k < text.Length; k++)
                    {
                        if (!char.IsDigit(text[k])) continue;
                        text[k] = (char)('0' + random.Next(10));
                        if (random.Next(2) == 0) text.Insert(k, "000");
                        break;
                    }
                    break;
            }
        }
        return text.ToString();
    }
}
