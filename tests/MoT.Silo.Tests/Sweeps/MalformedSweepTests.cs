using System.Diagnostics;
using System.Text;
using MoT.Contracts.Sweeps;
using MoT.Silo;
using MoT.Silo.Sweeps;
using MoT.Training.Configuration;

namespace MoT.Silo.Tests.Sweeps;

/// <summary>Every malformed sweep file gives its exact, field-naming error lines and no spec (so nothing can be queued).</summary>
public sealed class MalformedSweepTests
{
    public static TheoryData<string> Cases() => [.. MalformedSweepCorpus.Names()];

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_malformed_sweep_file_is_refused_with_its_exact_error_lines(string name)
    {
        var result = SweepFile.Read(MalformedSweepCorpus.FileOf(name), "corpus");
        var lines = result.Errors.Select(Line).ToList();
        Dump(name, lines);

        Assert.Null(result.Spec);
        Assert.NotEmpty(lines);
        var expected = MalformedSweepCorpus.Expected(name);
        Assert.True(expected.Count > 0, $"{name}.expected is missing; the errors were:\n{string.Join("\n", lines)}");
        foreach (var line in expected)
            Assert.True(lines.Contains(line), $"expected the line\n  {line}\namong\n  {string.Join("\n  ", lines)}");
        foreach (var line in lines)
            foreach (var forbidden in MalformedSweepCorpus.Forbidden)
                Assert.DoesNotContain(forbidden, line);
    }

    [Fact]
    public void The_corpus_holds_at_least_sixty_cases_each_with_its_expected_lines()
    {
        var names = MalformedSweepCorpus.Names().ToList();
        Assert.True(names.Count >= 60, $"only {names.Count} cases");
        Assert.All(names, n => Assert.NotEmpty(MalformedSweepCorpus.Expected(n)));
    }

    [Fact]
    public void A_folder_given_as_the_sweep_file_says_it_is_a_folder()
    {
        var folder = Directory.CreateTempSubdirectory("mot-sweep-folder").FullName;
        try
        {
            var error = Assert.Single(SweepFile.Read(folder, "corpus").Errors);
            Assert.Equal($"{folder} is a folder; give the sweep YAML file inside it", error.Message);
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public void A_100_KB_anchor_aliased_2000_times_is_refused_cheaply()
    {
        var anchor = new string('x', 100 * 1024);
        var yaml = new StringBuilder($"name: &big {anchor}\nparameters:\n");
        for (var i = 0; i < 2000; i++) yaml.Append("  - *big\n");
        var file = Path.Combine(Path.GetTempPath(), $"mot-aliases-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml.ToString());
        try
        {
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            var result = SweepFile.Read(file, "corpus");
            clock.Stop();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

            Assert.Null(result.Spec);
            Assert.Equal("parameters[9]: the YAML expands (through its aliases) to more than 1,048,576 bytes (limit MaxExpandedYamlBytes)",
                Line(Assert.Single(result.Errors)));
            Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated:N0} bytes");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_file_over_the_size_limit_is_refused_before_it_is_parsed()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mot-big-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "name: " + new string('n', 10 * 1024 * 1024) + "\n");
        try
        {
            var error = Assert.Single(SweepFile.Read(file, "corpus").Errors);
            Assert.Equal($"the file is {new FileInfo(file).Length:N0} bytes; at most 262,144 are allowed (limit MaxFileBytes)", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Limits_are_settings_a_host_can_change_and_the_error_names_the_one_hit()
    {
        var yaml = File.ReadAllText(MalformedSweepCorpus.FileOf("maxruns-int-max")).Replace("2147483647", "20000");
        Assert.Contains("maxRuns: must be a whole number from 1 to 10,000 (limit MaxRuns), got 20000",
            SweepFile.Parse(yaml, "corpus").Errors.Select(Line));
        Assert.Empty(SweepFile.Parse(yaml, "corpus", new InputLimits { MaxRuns = 50_000 }).Errors);
    }

    [Fact]
    public void A_choice_value_with_a_comma_stays_one_value()
    {
        const string yaml = """
            name: comma
            preset: MoT-Tiny/8E
            steps: 40
            maxRuns: 2
            parameters:
              - path: data.source
                kind: choice
                values: ["corpora/a,b", synthetic]
            """;
        var result = SweepFile.Parse(yaml, "corpus");
        Assert.Empty(result.Errors);
        Assert.Equal(["corpora/a,b", "synthetic"], result.Spec!.SearchSpace[0].Values);
    }

    private static string Line(SpecError error) => error.Path.Length == 0 ? error.Message : $"{error.Path}: {error.Message}";

    /// <summary>MOT_DUMP_SWEEP_ERRORS=folder writes each case's lines there (to review a new case's .expected).</summary>
    private static void Dump(string name, IReadOnlyList<string> lines)
    {
        if (Environment.GetEnvironmentVariable("MOT_DUMP_SWEEP_ERRORS") is { Length: > 0 } folder)
            File.WriteAllLines(Path.Combine(Directory.CreateDirectory(folder).FullName, name + ".txt"), lines);
    }
}

/// <summary>What the platform itself sends passes its own schema (the demo sweep, the dashboard's default form).</summary>
public sealed class PlatformConfigTests
{
    [Fact]
    public void The_demo_sweep_and_the_default_sweep_form_pass_the_schema_and_the_grains_rules()
    {
        Assert.Empty(MoT.Grains.Sweeps.SearchSpace.Validate(DemoSweepService.Spec, SchemaRunConfigRules.Default));
        var form = new SweepForm();
        Assert.Empty(form.Validate());
        Assert.Empty(MoT.Grains.Sweeps.SearchSpace.Validate(form.ToSpec("tester"), SchemaRunConfigRules.Default));
    }

    [Theory]
    [InlineData("""{ "model": { "family": "Dense", "seq_len": 64 }, "training": { "steps": 20, "lr": 0.001, "batch_size": 8 }, "data": { "eval_set": "brown-eval", "tokenizer": "cl100k" } }""")]
    [InlineData("""{ "model": { "size": "Tiny", "seq_len": 32 }, "training": { "steps": 40, "batch_size": 8, "lr": 0.002, "seed": 7 }, "data": { "source": "synthetic", "tokenizer": "bytes" }, "simulate": { "fail_at_step": 5, "failure_class": "RunError" } }""")]
    [InlineData("""{ "preset": "MoT-Tiny/8E", "steps": 12, "batchSize": 8, "learningRate": 0.003, "data": { "source": "synthetic" }, "model": { "layers": 2, "contextLength": 32 } }""")]
    public void Run_configs_in_either_shape_that_the_platform_writes_are_valid(string config) =>
        Assert.Empty(RunConfigSchema.Default.Validate(config));
}
