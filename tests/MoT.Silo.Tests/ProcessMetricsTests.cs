using Microsoft.Extensions.Logging.Abstractions;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Data.Ingest;
using MoT.Silo.Training;
using MoT.Silo.Training.SystemMetrics;

namespace MoT.Silo.Tests;

public sealed class ProcessMetricsTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Cpu_percent_is_cpu_time_over_wall_time_and_memory_is_in_mebibytes()
    {
        var readings = new Queue<ProcessReading>([
            new(TimeSpan.FromSeconds(100), 100L << 20, T0),
            new(TimeSpan.FromSeconds(110), 300L << 20, T0.AddSeconds(5)),   // 10 s of CPU in 5 s: two cores busy
            new(TimeSpan.FromSeconds(112), 256L << 20, T0.AddSeconds(13)),  // 2 s in 8 s
        ]);
        var reader = new ProcessMetricsReader(readings.Dequeue);

        Assert.Empty(reader.Read());
        Assert.Equal([new(MetricNames.ProcessCpuPercent, 200), new(MetricNames.ProcessResidentMegabytes, 300)], reader.Read());
        Assert.Equal([new(MetricNames.ProcessCpuPercent, 25), new(MetricNames.ProcessResidentMegabytes, 256)], reader.Read());
    }

    [Fact]
    public void The_sampler_reads_once_per_interval_after_a_baseline()
    {
        var clock = T0;
        var reads = 0;
        var sampler = new SystemMetricsSampler(TimeSpan.FromSeconds(5), () => clock, [new CountingReader(() => reads++)]);

        Assert.Null(sampler.TrySample());           // baseline at t = 0: read, nothing to record
        clock = T0.AddSeconds(2);
        Assert.Null(sampler.TrySample());           // before the interval: not even read
        clock = T0.AddSeconds(5);
        Assert.Equal([new SystemMetric("count", 2)], sampler.TrySample());
        clock = T0.AddSeconds(9);
        Assert.Null(sampler.TrySample());
        Assert.Equal(2, reads);
    }

    [Fact]
    public void The_current_process_reads_plausible_values()
    {
        var reader = ProcessMetricsReader.ForCurrentProcess();
        Assert.Empty(reader.Read());
        var spin = 0.0;
        var start = DateTime.UtcNow;
        while (DateTime.UtcNow - start < TimeSpan.FromMilliseconds(50))
            for (var i = 0; i < 100_000; i++) spin += Math.Sqrt(i); // some CPU to measure
        var sample = reader.Read();

        Assert.True(spin > 0);
        Assert.InRange(Assert.Single(sample, s => s.Name == MetricNames.ProcessCpuPercent).Value, 0.0, 100.0 * Environment.ProcessorCount + 50);
        Assert.InRange(Assert.Single(sample, s => s.Name == MetricNames.ProcessResidentMegabytes).Value, 10, 64 * 1024); // a .NET test host
    }

    [Fact]
    public async Task Training_records_the_process_metrics_at_train_steps_once_per_interval()
    {
        var clock = T0;
        var sink = new ListSink();
        var executor = new MetricRecordingExecutor(new StepsExecutor(steps: 12, onStep: () => clock = clock.AddSeconds(1)), sink,
            NullLogger<MetricRecordingExecutor>.Instance,
            _ => new SystemMetricsSampler(TimeSpan.FromSeconds(5), () => clock,
                [new ProcessMetricsReader(() => new ProcessReading(TimeSpan.FromSeconds((clock - T0).TotalSeconds / 2), 64L << 20, clock))]));

        await executor.RunAsync(new TrainingRequest(Guid.NewGuid(), "{}", null, Path.GetTempPath()), new NullObserver(), TestContext.Current.CancellationToken);

        var cpu = sink.Points.Where(p => p.Name == MetricNames.ProcessCpuPercent).ToList();
        // Baseline at step 1 (t = 1 s), samples every 5 s after it: steps 6 and 11.
        Assert.Equal([6L, 11L], cpu.Select(p => p.Step));
        Assert.All(cpu, p => Assert.Equal(50, p.Value, 9)); // half a core
        Assert.All(sink.Points.Where(p => p.Name == MetricNames.ProcessResidentMegabytes), p => Assert.Equal(64, p.Value));
    }

    private sealed class CountingReader(Func<int> read) : ISystemMetricsReader
    {
        public IReadOnlyList<SystemMetric> Read() => [new("count", read() + 1)];
        public void Dispose() { }
    }

    internal sealed class StepsExecutor(int steps, Action onStep) : ITrainingExecutor
    {
        public Task<TrainingOutcome> RunAsync(TrainingRequest request, ITrainingObserver observer, CancellationToken cancel)
        {
            for (var step = 1; step <= steps; step++)
            {
                onStep();
                observer.OnProgress(new RunProgress(step, 3.0, null, 1e-3, 1000, TimeSpan.FromSeconds(step)));
            }

            return Task.FromResult(new TrainingOutcome(RunStatus.Completed, steps, null, null, null));
        }
    }

    internal sealed class NullObserver : ITrainingObserver
    {
        public void OnProgress(RunProgress progress) { }
        public void OnCheckpoint(CheckpointInfo checkpoint) { }
    }

    internal sealed class ListSink : IMetricSink
    {
        private readonly Lock _gate = new();
        private readonly List<MetricPointRecord> _points = [];

        public IReadOnlyList<MetricPointRecord> Points
        {
            get
            {
                lock (_gate) return [.. _points];
            }
        }

        public ValueTask WriteAsync(IReadOnlyList<MetricPointRecord> points, CancellationToken cancellationToken = default)
        {
            lock (_gate) _points.AddRange(points);
            return ValueTask.CompletedTask;
        }

        public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
