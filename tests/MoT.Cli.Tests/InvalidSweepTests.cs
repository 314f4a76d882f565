using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Sweeps;
using MoT.Grains.Tests.Processes;
using MoT.Silo.Tests.Sweeps;

namespace MoT.Cli.Tests;

/// <summary>
/// Nothing invalid runs: `mot sweep submit` refuses malformed files before contacting any cluster, and a real silo
/// (the platform host, so the run-config schema) refuses invalid sweeps and runs sent to its grains directly.
/// </summary>
public sealed class InvalidSweepTests
{
    /// <summary>A spread of the corpus: parser limits, file-level problems, unknown paths and values, ranges.</summary>
    public static TheoryData<string> Cases() =>
    [
        "duplicate-key-maxruns", "billion-laughs", "top-level-list", "top-level-scalar", "name-invalid-utf8", "nested-list-value",
        "comma-in-choice-value", "int-range-above-2-31", "steps-long-max", "lr-inf", "unknown-parameter-path", "unknown-family-value",
        "maxruns-int-max", "unknown-tokenizer", "yaml-syntax-error", "experts-on-dense-preset",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Mot_sweep_submit_refuses_a_malformed_file_with_its_exact_lines_before_connecting(string name)
    {
        using var scratch = new ScratchFolder();
        // No silo listens on this port: refusing must not need one.
        var result = await MotProcess.RunAsync(scratch.Path, "sweep", "submit", MalformedSweepCorpus.FileOf(name), "--gateway-port", SiloProcess.FreePort().ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nothing was queued", result.Error);
        foreach (var line in MalformedSweepCorpus.Expected(name))
            Assert.Contains($"  {line}{Environment.NewLine}", result.Error);
        foreach (var forbidden in MalformedSweepCorpus.Forbidden)
            Assert.DoesNotContain(forbidden, result.Error);
        Assert.DoesNotContain("cannot reach", result.Error);
    }

    [Fact]
    public async Task Mot_sweep_submit_names_a_folder_given_as_the_sweep_file()
    {
        using var scratch = new ScratchFolder();
        var result = await MotProcess.RunAsync(scratch.Path, "sweep", "submit", scratch.Path, "--gateway-port", SiloProcess.FreePort().ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{scratch.Path} is a folder; give the sweep YAML file inside it", result.Error);
        Assert.DoesNotContain("unexpected", result.Error);
    }

    [Fact]
    public async Task A_platform_silo_refuses_invalid_sweeps_and_runs_sent_to_its_grains_and_queues_nothing()
    {
        using var scratch = new ScratchFolder();
        var (siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        using var silo = SiloProcess.Start("all", [
            "--role", "all", "--simulate",
            "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", siloPort.ToString(), "--Silo:GatewayPort", gatewayPort.ToString(),
            "--GpuSlots:CpuSlots", "1", "--GpuSlots:OutputRoot", Path.Combine(scratch.Path, "runs"), "--Logging:LogLevel:Default", "Warning",
        ], scratch.Path);
        using var host = await SiloProcess.ConnectClientAsync(silo, client => client.UseLocalhostClustering(gatewayPort, "mot-platform", "mot"));
        var grains = host.Services.GetRequiredService<IClusterClient>();

        var invalid = new (string Case, SweepSpec Spec, string Path, string Message)[]
        {
            ("unknown path", Sweep([new SearchParameter("training.learning_rate", ParameterKind.LogUniform, Low: 1e-4, High: 1e-2)]),
                "searchSpace[0].path", "'training.learning_rate' is not a config setting; did you mean 'training.lr'?"),
            ("unknown family", Sweep([new SearchParameter("model.family", ParameterKind.Choice, ["MoT", "Banana"])]),
                "searchSpace[0].values[1]", "'Banana' is not one of Dense, Transformer, MoT, TokenChoice, ExpertChoice"),
            ("comma value", Sweep([new SearchParameter("model.experts", ParameterKind.Choice, ["4,8"])]),
                "searchSpace[0].values[0]", "must be a whole number, got '4,8'"),
            ("int range above 2^31", Sweep([new SearchParameter("model.experts", ParameterKind.Int, Low: 1, High: 3e9)]),
                "searchSpace[0].high", "must be a whole number from 1 to 8,192 (limit MaxExperts), got 3000000000"),
            ("lr 1000", Sweep([new SearchParameter("training.lr", ParameterKind.Choice, ["1000"])]),
                "searchSpace[0].values[0]", "must be a number above 0 and at most 10 (limit MaxLearningRate), got 1000"),
            ("steps beyond long", Sweep([new SearchParameter("training.lr", ParameterKind.Choice, ["0.001"])], steps: "9223372036854775807"),
                "baseConfigJson.training.steps", "must be a whole number from 1 to 10,000,000 (limit MaxSteps), got 9223372036854775807"),
            ("maxRuns without cap", Sweep([new SearchParameter("training.lr", ParameterKind.LogUniform, Low: 1e-4, High: 1e-2)]) with { MaxRuns = int.MaxValue },
                "maxRuns", "must be from 1 to 10,000 (limit MaxRuns) (was 2147483647)"),
            ("10 MB name", Sweep([new SearchParameter("training.lr", ParameterKind.Choice, ["0.001"])]) with { Name = new string('n', 10 * 1024 * 1024) },
                "name", "is 10,485,760 characters long; at most 128 are allowed (limit MaxNameLength)"),
            ("unknown tokenizer", Sweep([new SearchParameter("data.tokenizer", ParameterKind.Choice, ["gpt2"])]),
                "searchSpace[0].values[0]", "'gpt2' is not a tokenizer: use bytes, bpe, cl100k, cl100k-compact or cl100k-compact:N (N >= 258)"),
        };
        foreach (var (name, spec, path, message) in invalid)
        {
            var submission = await grains.GetGrain<ISweepGrain>(Guid.NewGuid()).SubmitAsync(spec);
            Assert.False(submission.Accepted, name);
            Assert.Empty(submission.RunIds);
            Assert.Contains(new SpecError(path, message), submission.Errors);
        }

        var run = grains.GetGrain<IRunGrain>(Guid.NewGuid());
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => run.CreateAsync(new RunSpec(Config("-10", "-1"), "tester")));
        Assert.Contains("training.steps: must be a whole number from 1 to 10,000,000 (limit MaxSteps), got -10", refused.Message);
        Assert.Contains("training.lr: must be a number above 0 and at most 10 (limit MaxLearningRate), got -1", refused.Message);

        // And the CLI against this live cluster: refused, and still nothing queued.
        var cli = await MotProcess.RunAsync(scratch.Path, "sweep", "submit", MalformedSweepCorpus.FileOf("duplicate-key-maxruns"), "--gateway-port", gatewayPort.ToString());
        Assert.Equal(1, cli.ExitCode);

        var scheduler = await grains.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).GetSnapshotAsync();
        Assert.Empty(scheduler.Queue);
        Assert.Empty(scheduler.DispatchLog);
    }

    private static SweepSpec Sweep(IReadOnlyList<SearchParameter> space, string steps = "20") =>
        new("tester", Config(steps, "0.001"), space, SearchMethod.Random, MaxConcurrentRuns: 1, MaxRuns: 2, Name: "invalid");

    private static string Config(string steps, string lr) =>
        $$"""{ "model": { "preset": "MoT-Tiny/8E" }, "training": { "steps": {{steps}}, "lr": {{lr}} }, "data": { "eval_set": "demo-eval", "tokenizer": "bytes" } }""";
}
