using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MoT.Contracts.Training;
using MoT.Silo.Training;
using MoT.Silo.Training.SystemMetrics;

namespace MoT.Silo.Tests;

/// <summary>Reading nvidia-smi's answer, as real hosts print it.</summary>
public sealed class NvidiaSmiCsvTests
{
    [Fact]
    public void Every_gpu_of_a_multi_gpu_host_is_read()
    {
        // An 8-GPU H100 host in training (nvidia-smi 580, csv,noheader,nounits).
        const string output = """
            0, 100, 71234, 81559
            1, 97, 71234, 81559
            2, 100, 71230, 81559
            3, 0, 4, 81559
            4, 99, 71234, 81559
            5, 100, 71234, 81559
            6, 98, 71234, 81559
            7, 100, 71234, 81559

            """;
        var answer = NvidiaSmiCsv.Parse(output);

        Assert.Equal(Enumerable.Range(0, 8), answer.Gpus.Select(g => g.Index));
        Assert.Equal(new GpuReading(3, 0, 4, 81559), answer.Gpus[3]);
        Assert.Equal(new GpuReading(6, 98, 71234, 81559), answer.Gpus[6]);
        Assert.Equal(0, answer.UnreadableLines);
    }

    [Fact]
    public void Fields_a_device_does_not_report_are_missing_not_zero()
    {
        // A MIG-enabled A100 reports no utilisation; some boards report no memory figures. Windows line ends too.
        var answer = NvidiaSmiCsv.Parse("0, [N/A], 10240, 40960\r\n1, 35, [Not Supported], [Not Supported]\r\n2, [Unknown Error], 0, 143771\r\n");

        Assert.Equal([new GpuReading(0, null, 10240, 40960), new GpuReading(1, 35, null, null), new GpuReading(2, null, 0, 143771)], answer.Gpus);
        Assert.Equal(0, answer.UnreadableLines);
    }

    [Theory]
    [InlineData("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n", 1)]
    [InlineData("No devices were found\n", 1)]
    [InlineData("index, utilization.gpu [%], memory.used [MiB], memory.total [MiB]\n0, 5 %, 100 MiB, 200 MiB\n", 1)] // a header; the units line parses as missing fields
    [InlineData("0, 5, 100\n1, 5, 100, 200, 300\nx, 1, 2, 3\n-1, 1, 2, 3\n", 4)]
    [InlineData("", 0)]
    public void Garbage_is_counted_as_unreadable_never_guessed(string output, int unreadable)
    {
        var answer = NvidiaSmiCsv.Parse(output);
        Assert.Equal(unreadable, answer.UnreadableLines);
        Assert.All(answer.Gpus, g => Assert.True(g.UtilizationPercent is null && g.MemoryUsedMiB is null && g.MemoryTotalMiB is null));
    }

    [Theory]
    [InlineData("cuda", 0)]
    [InlineData("cuda:3", 3)]
    [InlineData("CUDA:1", 1)]
    [InlineData("cpu", null)]
    [InlineData("auto", null)]
    [InlineData("cuda:x", null)]
    public void A_trainer_device_names_a_cuda_ordinal_or_none(string device, int? ordinal) =>
        Assert.Equal(ordinal, GpuMetricsReader.CudaOrdinal(device));

    [Theory]
    [InlineData(1, null, 1)]
    [InlineData(1, "", 1)]
    [InlineData(0, "2,3", 2)]
    [InlineData(1, "2, 3", 3)]
    [InlineData(2, "2,3", null)]
    [InlineData(0, "GPU-8f1c2a3b-0000-1111-2222-333344445555", null)]
    public void Cuda_visible_devices_maps_the_ordinal_to_nvidia_smis_index(int ordinal, string? visible, int? index) =>
        Assert.Equal(index, GpuMetricsReader.NvidiaSmiIndex(ordinal, visible));
}

/// <summary>
/// nvidia-smi across a real process boundary: a fake <c>nvidia-smi</c> shell script first on the PATH searched, and the
/// metrics a run records are checked against what it printed.
/// </summary>
public sealed class GpuMetricsProcessTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _bin = Directory.CreateTempSubdirectory("mot-fake-nvidia-smi-").FullName;

    private string CallLog => Path.Combine(_bin, "calls.log");

    private string PathWithFake => _bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");

    private void FakeNvidiaSmi(string body)
    {
        var script = Path.Combine(_bin, "nvidia-smi");
        File.WriteAllText(script, $"#!/bin/sh\necho \"$@\" >> '{CallLog}'\n{body}\n");
        Assert.SkipWhen(OperatingSystem.IsWindows(), "a shell script stands in for nvidia-smi");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private int Calls => File.Exists(CallLog) ? File.ReadAllLines(CallLog).Length : 0;

    [Fact]
    public async Task A_cuda_run_records_its_own_gpus_figures_from_nvidia_smi()
    {
        FakeNvidiaSmi("printf '0, 17, 1024, 81559\\n1, 63, 40000, 81559\\n'");
        var sink = new ProcessMetricsTests.ListSink();
        var executor = new MetricRecordingExecutor(new UntilExecutor(() => sink.Points.Any(p => p.Name == MetricNames.GpuMemoryTotalMegabytes)), sink,
            NullLogger<MetricRecordingExecutor>.Instance,
            request => SystemMetricsSampler.For(request, TimeSpan.FromMilliseconds(50), NullLogger.Instance, NvidiaSmi.OnPath(PathWithFake)));

        await executor.RunAsync(new TrainingRequest(Guid.NewGuid(), "{}", null, _bin, "cuda:1"), new ProcessMetricsTests.NullObserver(),
            TestContext.Current.CancellationToken);

        var gpu = sink.Points.Where(p => p.Name.Contains("gpu", StringComparison.Ordinal)).ToList();
        Assert.True(gpu.Count > 0, $"no GPU metrics recorded; nvidia-smi called {Calls} times");
        // GPU 1's line, not GPU 0's.
        Assert.All(gpu.Where(p => p.Name == MetricNames.GpuUtilizationPercent), p => Assert.Equal(63, p.Value));
        Assert.All(gpu.Where(p => p.Name == MetricNames.GpuMemoryUsedMegabytes), p => Assert.Equal(40000, p.Value));
        Assert.All(gpu.Where(p => p.Name == MetricNames.GpuMemoryTotalMegabytes), p => Assert.Equal(81559, p.Value));
        Assert.Equal(["--query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits"], File.ReadAllLines(CallLog).Distinct());
        Assert.Contains(sink.Points, p => p.Name == MetricNames.ProcessCpuPercent); // one sampler, both readers
    }

    [Fact]
    public async Task A_cpu_run_records_no_gpu_metrics_and_never_calls_nvidia_smi()
    {
        FakeNvidiaSmi("printf '0, 17, 1024, 81559\\n'");
        var sink = new ProcessMetricsTests.ListSink();
        var executor = new MetricRecordingExecutor(
            new UntilExecutor(() => sink.Points.Count(p => p.Name == MetricNames.ProcessCpuPercent) >= 3), sink,
            NullLogger<MetricRecordingExecutor>.Instance,
            request => SystemMetricsSampler.For(request, TimeSpan.FromMilliseconds(50), NullLogger.Instance, NvidiaSmi.OnPath(PathWithFake)));

        await executor.RunAsync(new TrainingRequest(Guid.NewGuid(), "{}", null, _bin, "cpu"), new ProcessMetricsTests.NullObserver(),
            TestContext.Current.CancellationToken);

        Assert.True(sink.Points.Count(p => p.Name == MetricNames.ProcessCpuPercent) >= 3);
        Assert.DoesNotContain(sink.Points, p => p.Name.Contains("gpu", StringComparison.Ordinal));
        Assert.Equal(0, Calls);
    }

    [Fact]
    public void A_host_without_nvidia_smi_gets_no_gpu_reader_and_says_so_at_most_once()
    {
        var logger = new CountingLogger();
        var missing = NvidiaSmi.OnPath(Path.Combine(_bin, "empty"));

        Assert.Null(missing.Executable);
        Assert.Null(GpuMetricsReader.For("cuda:0", missing, logger));
        Assert.Null(GpuMetricsReader.For("cuda:1", missing, logger));
        Assert.InRange(logger.Count, 0, 1); // once per process: an earlier test may have said it already
    }

    [Fact]
    public async Task A_failing_nvidia_smi_is_logged_once_per_run_and_records_nothing()
    {
        FakeNvidiaSmi("echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"; exit 9");
        var smi = NvidiaSmi.OnPath(PathWithFake);
        var failed = await smi.QueryAsync(TestContext.Current.CancellationToken);
        Assert.Null(failed.Answer);
        Assert.Contains("exited with 9", failed.Problem);

        var logger = new CountingLogger();
        using var reader = new GpuMetricsReader(0, smi, logger);
        var start = DateTime.UtcNow;
        var recorded = new List<SystemMetric>();
        while (Calls < 5 && DateTime.UtcNow - start < Deadline)
        {
            recorded.AddRange(reader.Read());
            Thread.Sleep(2); // the training thread reads once per step, not in a hot loop
        }
        recorded.AddRange(reader.Read());

        Assert.True(Calls >= 5, $"nvidia-smi called {Calls} times");
        Assert.Empty(recorded);
        Assert.Equal(1, logger.Count);
    }

    [Fact]
    public async Task A_hung_nvidia_smi_is_killed_at_the_timeout()
    {
        FakeNvidiaSmi("sleep 120");
        var smi = NvidiaSmi.OnPath(PathWithFake, TimeSpan.FromMilliseconds(300));
        var started = DateTime.UtcNow;

        var result = await smi.QueryAsync(TestContext.Current.CancellationToken);

        Assert.Null(result.Answer);
        Assert.Contains("no answer within", result.Problem);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "the query waited for the hung child");
    }

    /// <summary>TorchSharp 0.107 exposes no view of the CUDA caching allocator (PyTorch's torch.cuda.memory_allocated,
    /// memory_reserved, memory_stats): GPU memory comes from NVML alone. When an update adds one, this fails: use it.</summary>
    [Fact]
    public void TorchSharp_has_no_caching_allocator_statistics_to_read()
    {
        var cuda = typeof(TorchSharp.torch.cuda);
        var methods = cuda.GetMethods(BindingFlags.Public | BindingFlags.Static).Select(m => m.Name).ToHashSet();
        Assert.Contains("is_available", methods); // the class looked at is the right one
        Assert.DoesNotContain(methods, m => m.Contains("memory", StringComparison.OrdinalIgnoreCase));
        var everywhere = typeof(TorchSharp.torch).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => m.Name)
            .Where(n => n.Contains("memory_allocated", StringComparison.OrdinalIgnoreCase) || n.Contains("memory_reserved", StringComparison.OrdinalIgnoreCase)
                || n.Contains("memory_stats", StringComparison.OrdinalIgnoreCase) || n.Contains("CachingAllocator", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.Empty(everywhere);
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    /// <summary>Trains (paced steps) until <paramref name="done"/> or a generous deadline: waits on state, not on a fixed time.</summary>
    private sealed class UntilExecutor(Func<bool> done) : ITrainingExecutor
    {
        public Task<TrainingOutcome> RunAsync(TrainingRequest request, ITrainingObserver observer, CancellationToken cancel)
        {
            var start = DateTime.UtcNow;
            var step = 0L;
            while (!done() && DateTime.UtcNow - start < Deadline)
            {
                observer.OnProgress(new MoT.Contracts.Runs.RunProgress(++step, 3.0, null, 1e-3, 1000, DateTime.UtcNow - start));
                Thread.Sleep(5); // a training step's worth of time
            }

            return Task.FromResult(new TrainingOutcome(MoT.Contracts.Runs.RunStatus.Completed, step, null, null, null));
        }
    }

    private sealed class CountingLogger : ILogger
    {
        private int _count;
        public int Count => _count;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Interlocked.Increment(ref _count);
    }
}
