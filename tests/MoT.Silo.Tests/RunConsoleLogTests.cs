using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using RunLogLevel = MoT.Data.Entities.RunLogLevel;
using MoT.Data.RunLogs;
using MoT.Silo.Persistence;

namespace MoT.Silo.Tests;

/// <summary>
/// A run's console through a whole silo (simulated trainer, SQLite store): an attempt that fails and its retry both
/// write their lines, in order, and they are all still there when a new silo starts on the same store.
/// </summary>
public sealed class RunConsoleLogTests : IAsyncDisposable
{
    private const string Config = """
        { "model": { "size": "Tiny", "seq_len": 32 },
          "training": { "steps": 40, "batch_size": 8, "lr": 0.002, "seed": 7, "eval_interval": 10, "checkpoint_interval": 10 },
          "data": { "source": "synthetic", "tokenizer": "bytes" } }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("mot-console-").FullName;

    [Fact]
    public async Task A_failed_attempts_lines_survive_its_retry_and_a_silo_restart_in_order()
    {
        var cancel = TestContext.Current.CancellationToken;
        var runId = Guid.NewGuid();
        RunSnapshot finished;
        using (var first = BuildSilo(failFirstAttemptAtStep: 12))
        {
            await first.StartAsync(cancel);
            var run = first.Services.GetRequiredService<IGrainFactory>().GetGrain<IRunGrain>(runId);
            await run.CreateAsync(new RunSpec(Config, "alice"));
            finished = await WaitAsync(run.GetSnapshotAsync, s => s.Status.IsTerminal(), TimeSpan.FromMinutes(3));
            await first.StopAsync(cancel);
        }

        Assert.True(finished.Status == RunStatus.Completed, $"run ended {finished.Status}: {finished.StatusMessage}");
        Assert.Equal(2, finished.Attempts.Count);

        using var second = BuildSilo(failFirstAttemptAtStep: null);
        await second.StartAsync(cancel);
        var slice = await second.Services.GetRequiredService<RunLogQuery>().AfterAsync(runId, 0, RunLogQuery.MaxLimit, cancel);
        await second.StopAsync(cancel);

        var lines = slice!.Lines;
        var dump = string.Join("\n", lines.Select(l => $"{l.Sequence} #{l.Attempt} {l.Level} {l.Text}"));
        TestContext.Current.TestOutputHelper?.WriteLine(dump);
        Assert.True(lines.Count > 0, "no console lines");
        Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), lines.Select(l => l.Sequence));
        // Attempt 1's lines, all of them, then attempt 2's: the retry appends, it never interleaves or replaces.
        var firstOfSecond = lines.ToList().FindIndex(l => l.Attempt == 2);
        Assert.True(firstOfSecond > 0, dump);
        Assert.All(lines.Take(firstOfSecond), l => Assert.Equal(1, l.Attempt));
        Assert.All(lines.Skip(firstOfSecond), l => Assert.Equal(2, l.Attempt));

        var attempt1 = lines.Take(firstOfSecond).ToList();
        Assert.StartsWith("Attempt 1 started on slot ", attempt1[0].Text);
        Assert.Contains("device cpu", attempt1[0].Text);
        Assert.Contains(attempt1, l => l.Text.StartsWith("step 1  loss ", StringComparison.Ordinal) && l.Text.EndsWith(" tokens/s", StringComparison.Ordinal));
        Assert.Contains(attempt1, l => l.Text.StartsWith("step 10  eval loss ", StringComparison.Ordinal));
        Assert.Contains(attempt1, l => l.Text.StartsWith("checkpoint at step 10 saved", StringComparison.Ordinal));
        var failure = attempt1[^1];
        Assert.Equal(RunLogLevel.Error, failure.Level);
        // The one-line reason: no exception type, no trace frame (those stay in the host log at Debug).
        Assert.Equal("Failed at step 11 (Unknown): the corpus file vanished", failure.Text);

        var attempt2 = lines.Skip(firstOfSecond).ToList();
        Assert.StartsWith("Attempt 2 started on slot ", attempt2[0].Text);
        Assert.EndsWith("starting from checkpoint step-0000010.ckpt.json", attempt2[0].Text);
        // Resumed from step 10 of 40 with evals every 10 steps: it evaluates at 20, 30 and 40, nothing else.
        Assert.Equal(["step 20", "step 30", "step 40"],
            attempt2.Where(l => l.Text.StartsWith("step ", StringComparison.Ordinal) && l.Text.Contains("  eval loss ", StringComparison.Ordinal)).Select(l => l.Text[..l.Text.IndexOf("  eval", StringComparison.Ordinal)]));
        Assert.Equal(RunLogLevel.Info, attempt2[^1].Level);
        Assert.StartsWith("Completed at step 40, best eval loss ", attempt2[^1].Text);
        Assert.DoesNotContain(lines, l => l.Text.Contains("Exception", StringComparison.Ordinal) || l.Text.Contains("   at ", StringComparison.Ordinal));
    }

    private IHost BuildSilo(long? failFirstAttemptAtStep)
    {
        var siloPort = FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:Role"] = "all",
            ["Silo:Simulate"] = "true",
            ["Silo:Name"] = "console-test",
            ["Silo:SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Silo:PrimarySiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Database:DataDirectory"] = _folder,
            ["GpuSlots:OutputRoot"] = Path.Combine(_folder, "runs"),
            ["SimulatedTraining:StepDelay"] = "00:00:00.010",
        });
        var host = builder.Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>()!;
        builder.Services.AddDatabaseMigrationOnStart();
        builder.UseOrleans(silo =>
        {
            silo.AddMotSilo(builder.Configuration, host, ClusterMembership.Read(builder.Configuration));
            if (failFirstAttemptAtStep is { } step)
            {
                var registered = silo.Services.Last(d => d.ServiceType == typeof(ITrainingExecutor));
                silo.Services.Remove(registered);
                silo.Services.AddSingleton<ITrainingExecutor>(sp => new FailsFirstAttempt((ITrainingExecutor)registered.ImplementationFactory!(sp), step));
            }
        });
        return builder.Build();
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"still not there after {timeout}: {value}");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a pool closing late: the OS temp cleanup takes it
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A trainer whose first attempt of each run dies at <paramref name="step"/> with an error whose message
    /// carries a trace (as some library errors do); later attempts train normally.</summary>
    private sealed class FailsFirstAttempt(ITrainingExecutor inner, long step) : ITrainingExecutor
    {
        private readonly ConcurrentDictionary<Guid, int> _calls = new();

        public Task<TrainingOutcome> RunAsync(TrainingRequest request, ITrainingObserver observer, CancellationToken cancel) =>
            _calls.AddOrUpdate(request.RunId, 1, (_, n) => n + 1) == 1
                ? inner.RunAsync(request, new Breaking(observer, step), cancel)
                : inner.RunAsync(request, observer, cancel);

        private sealed class Breaking(ITrainingObserver next, long step) : ITrainingObserver
        {
            public void OnProgress(RunProgress progress)
            {
                if (progress.Step == step)
                    throw new InvalidOperationException("the corpus file vanished\n   at MoT.Training.Data.DemoCorpus.Open()\n   at MoT.Training.Trainer.Run()");
                next.OnProgress(progress);
            }

            public void OnCheckpoint(CheckpointInfo checkpoint) => next.OnCheckpoint(checkpoint);
        }
    }
}
