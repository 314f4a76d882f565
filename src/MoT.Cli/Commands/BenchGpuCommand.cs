using System.CommandLine;
using System.Globalization;
using MoT.Cli.Bench;
using MoT.Training.Models;
using MoT.Training.Training;
using static TorchSharp.torch;

namespace MoT.Cli.Commands;

/// <summary><c>mot bench gpu</c>: training speed and MFU of the paper's Medium models on CUDA, next to
/// the same MoT model in PyTorch (bench/mot_reference.py) timed in the same run.</summary>
internal static class BenchGpuCommand
{
    /// <summary>The issue's target: TorchSharp at least this fraction of eager PyTorch's tokens/s.</summary>
    private const double TargetRatio = 0.9;

    public static Command Create()
    {
        var presets = new Option<string[]>("--presets", "--preset") { Description = "Presets to time", AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["Transformer-Medium", "MoT-Medium/32E", "TokenChoice-Medium/32E"] };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per step", DefaultValueFactory = _ => 256 };
        var seq = new Option<int>("--seq") { Description = "Context length", DefaultValueFactory = _ => 256 };
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size (GPT-2's by default)", DefaultValueFactory = _ => 50257 };
        var steps = new Option<int>("--steps") { Description = "Timed steps per model", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first", DefaultValueFactory = _ => 5 };
        var device = new Option<string>("--device") { Description = "cuda, cuda:N or cpu", DefaultValueFactory = _ => "cuda" };
        var precision = new Option<Precision>("--precision") { Description = "Auto (bf16 on CUDA, fp32 on CPU), Fp32 or Bf16", DefaultValueFactory = _ => Precision.Auto };
        var python = new Option<string?>("--python") { Description = "python with torch for the PyTorch reference (default on CUDA: python3 if found)" };
        var compile = new Option<bool>("--compile") { Description = "Time the reference under torch.compile instead of eager" };
        var command = new Command("gpu", "Tokens/s, step time, MFU and GPU memory of the Medium models, with the PyTorch reference's ratio")
            { presets, batch, seq, vocab, steps, warmup, device, precision, python, compile };
        command.SetAction((parse, cancel) => Task.Run(() =>
        {
            var shape = new BenchShape(parse.GetValue(batch), parse.GetValue(seq), parse.GetValue(vocab), parse.GetValue(steps),
                parse.GetValue(warmup), parse.GetValue(device)!, parse.GetValue(precision));
            if (!shape.Device.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase) && !cuda.is_available())
                throw new InvalidOperationException("no CUDA device; use --device cpu to time on CPU at a small --batch-size");
            return Run(parse.GetValue(presets)!, shape, ReferenceFor(parse.GetValue(python), shape, parse.GetValue(compile)), cancel);
        }, CancellationToken.None));
        return command;
    }

    private static int Run(IReadOnlyList<string> presets, BenchShape shape, PyTorchReference? reference, CancellationToken cancel)
    {
        Console.WriteLine($"batch {shape.BatchSize} x seq {shape.SequenceLength}, vocab {shape.VocabSize}, {shape.Steps} timed steps after {shape.Warmup} warmup, " +
                          $"device {shape.Device}, precision {shape.Precision}");

        // The reference runs first, each model in its own process: TorchSharp 0.107 cannot empty its CUDA
        // cache, so PyTorch gets the GPU before this process has reserved memory, never after.
        var referenceTimes = new Dictionary<string, ReferenceTime>();
        foreach (var name in presets.Where(_ => reference is not null))
        {
            var model = GpuBenchmark.ModelFor(name, shape);
            if (!PyTorchReference.Supports(model)) continue;
            var canonical = ModelPresets.Get(name).Name;
            Console.WriteLine($"PyTorch reference: {canonical} ...");
            try
            {
                referenceTimes[canonical] = reference!.Time(canonical, model, shape, cancel);
            }
            catch (InvalidOperationException error)
            {
                Console.WriteLine($"PyTorch reference skipped for {name}: {error.Message}");
            }
        }

        var rows = new List<GpuStepTime>();
        foreach (var name in presets)
        {
            cancel.ThrowIfCancellationRequested();
            Console.WriteLine($"TorchSharp: {name} ...");
            rows.Add(GpuBenchmark.Time(name, shape));
        }

        Console.WriteLine();
        Console.WriteLine($"{"model",-24} {"params",8} {"step ms",8} {"tokens/s",10} {"MFU",6} {"GPU mem",8} {"PyTorch tok/s",13} {"TorchSharp/PyTorch",18}");
        foreach (var row in rows)
        {
            referenceTimes.TryGetValue(row.Preset, out var pytorch);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Preset,-24} {row.Parameters / 1e6,7:F1}M {row.MillisecondsPerStep,8:F1} {row.TokensPerSecond,10:N0} {Percent(row.ModelFlopsUtilization),6} {Memory(row.DeviceMemoryBytes),8} {(pytorch is null ? "-" : pytorch.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture)),13} {(pytorch is null ? "-" : $"{row.TokensPerSecond / pytorch.TokensPerSecond:F2}x"),18}"));
            if (pytorch is not null && pytorch.Parameters != row.Parameters)
                Console.WriteLine($"warning: {row.Preset}: the PyTorch reference has {pytorch.Parameters:N0} parameters, TorchSharp {row.Parameters:N0}; the models differ");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"MFU against {TrainingDevice.CudaPeakTflops:F0} TFLOP/s (bf16 dense peak, analytic FLOPs of `mot presets`); " +
            $"GPU mem: device memory in use, this process's high-water mark (allocator reserve + context; TorchSharp exposes no allocator stats); target ratio >= {TargetRatio:F2}x eager PyTorch"));
        return 0;
    }

    /// <summary>The reference runs when a python is named, or on CUDA when python3 is on the PATH.</summary>
    private static PyTorchReference? ReferenceFor(string? python, BenchShape shape, bool compile)
    {
        var script = PyTorchReference.FindScript();
        var onCuda = !shape.Device.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase);
        python ??= onCuda ? FindOnPath("python3") : null;
        if (python is null) return null;
        if (script is null)
        {
            Console.WriteLine("PyTorch reference skipped: bench/mot_reference.py not found beside the app or above the working folder");
            return null;
        }
        return new PyTorchReference(python, script, compile);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);

    private static string Percent(double? fraction) => fraction is { } f ? string.Create(CultureInfo.InvariantCulture, $"{f * 100:F1}%") : "-";

    private static string Memory(long? bytes) =>
        bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b / (double)(1L << 30):F1}G") : "n/a";
}
