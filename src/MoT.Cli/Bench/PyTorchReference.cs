using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MoT.Training.Models;

namespace MoT.Cli.Bench;

/// <summary>What bench/mot_reference.py measured for one model.</summary>
public sealed record ReferenceTime(string Model, long Parameters, double TokensPerSecond, double MillisecondsPerStep);

/// <summary>
/// Runs bench/mot_reference.py (the same dense / MoT model written in PyTorch) with a given python, one
/// model per process so each starts with the GPU to itself, and parses the JSON line it prints.
/// </summary>
internal sealed class PyTorchReference(string python, string script, bool compile)
{
    /// <summary>The script: beside the app (copied by the build) or under bench/ of the working tree.</summary>
    public static string? FindScript()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                var candidate = Path.Combine(folder.FullName, "bench", "mot_reference.py");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>Only dense and MoT models have a reference (the comparison the issue asks for).</summary>
    public static bool Supports(ModelConfig model) =>
        model.FeedForward is FeedForwardKind.Dense or FeedForwardKind.MixtureOfTokens
        && model.Positions == PositionEncoding.Learned && !model.TiedHead
        && model.MixtureOfTokens is null or { MixturesPerExpert: 1, LearnableTemperature: false, Temperature: 1.0 };

    /// <summary>Times <paramref name="model"/>; throws <see cref="InvalidOperationException"/> with the script's last error line.</summary>
    public ReferenceTime Time(string name, ModelConfig model, BenchShape shape, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in Arguments(name, model, shape)) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception error)
        {
            throw new InvalidOperationException($"cannot run {python}: {error.Message}");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancel);
            var errors = process.StandardError.ReadToEndAsync(cancel);
            process.WaitForExitAsync(cancel).GetAwaiter().GetResult();
            var lines = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var json = lines.LastOrDefault(l => l.StartsWith('{'));
            if (process.ExitCode != 0 || json is null)
            {
                var last = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim() ?? "no output";
                throw new InvalidOperationException($"{Path.GetFileName(script)} failed for {name} (exit {process.ExitCode}): {last}");
            }
            return Parse(json);
        }
    }

    /// <summary>Parses one line such as <c>{"model": "MoT-Medium/32E", "params": 336909312, "tokens_per_s": 335000.0, "step_ms": 195.6}</c>.</summary>
    public static ReferenceTime Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return new ReferenceTime(root.GetProperty("model").GetString()!, root.GetProperty("params").GetInt64(),
            root.GetProperty("tokens_per_s").GetDouble(), root.GetProperty("step_ms").GetDouble());
    }

    private IEnumerable<string> Arguments(string name, ModelConfig model, BenchShape shape)
    {
        string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
        yield return script;
        yield return "--model"; yield return name;
        yield return "--d-model"; yield return Number(model.DModel);
        yield return "--layers"; yield return Number(model.Layers);
        yield return "--heads"; yield return Number(model.Heads);
        yield return "--d-ff"; yield return Number(model.DFF);
        yield return "--vocab"; yield return Number(shape.VocabSize);
        yield return "--seq"; yield return Number(shape.SequenceLength);
        yield return "--batch-size"; yield return Number(shape.BatchSize);
        yield return "--steps"; yield return Number(shape.Steps);
        yield return "--warmup"; yield return Number(shape.Warmup);
        yield return "--activation"; yield return model.Activation.ToString().ToLowerInvariant();
        if (shape.Device.StartsWith("cpu", StringComparison.OrdinalIgnoreCase)) { yield return "--device"; yield return "cpu"; }
        if (model.MixtureOfTokens is { } mot)
        {
            yield return "--experts"; yield return Number(mot.Experts);
            yield return "--group-size"; yield return Number(mot.GroupSize);
            yield return "--expert-size"; yield return Number(mot.ResolvedExpertSize(model.DFF));
            yield return "--sparse-blocks"; yield return string.Join(",", model.ResolvedSparseBlocks());
        }
        if (compile) yield return "--compile";
    }
}
