using System.Diagnostics;

namespace MoT.Cli.Tests;

/// <summary>Runs the real `mot` program (built beside the tests) as a child process.</summary>
internal static class MotProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Task<Result> RunAsync(string workingDirectory, params string[] args) =>
        RunWithEnvironmentAsync(workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>Runs `mot` with extra environment variables (a null value removes one).</summary>
    public static async Task<Result> RunWithEnvironmentAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Tests run in a build that bundles libtorch; a MOT_LIBTORCH_DIR from the developer's shell must not leak in.
        start.Environment.Remove("MOT_LIBTORCH_DIR");
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mot.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new Result(process.ExitCode, await output, await error);
    }
}

/// <summary>A scratch folder per test.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mot-cli-tests", Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
