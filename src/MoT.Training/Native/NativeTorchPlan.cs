namespace MoT.Training.Native;

/// <summary>Which native files to load, in order, before TorchSharp's own loader runs. Empty when the
/// app's bundled libtorch package (TorchSharp-cpu or TorchSharp-cuda-linux) should be used as is.</summary>
public sealed record NativeTorchPlan(IReadOnlyList<string> Libraries)
{
    /// <summary>The env variable naming a libtorch folder, e.g. a PyTorch install's <c>torch/lib</c>.</summary>
    public const string DirectoryVariable = "MOT_LIBTORCH_DIR";

    private const string Advice = "install TorchSharp-cpu or TorchSharp-cuda-linux, or set " + DirectoryVariable + " to a PyTorch install's torch/lib";

    // Dependency order: each library's NEEDED entries are already loaded when it is dlopen'ed, so the
    // dynamic linker binds them by soname to these files instead of searching for others.
    private static readonly string[] TorchLibraries = ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
    private static readonly string[] Required = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    private const string Bridge = "libLibTorchSharp.so";

    /// <summary>Decides what to load from <paramref name="libtorchDirectory"/> (the env value, may be null)
    /// for an app in <paramref name="appDirectory"/>; throws <see cref="NativeTorchException"/> with one line
    /// naming the problem. Pure (reads the file system only), so it is testable without loading anything.</summary>
    public static NativeTorchPlan For(string? libtorchDirectory, string appDirectory)
    {
        var bundled = BundledNativeDirectory(appDirectory, "libtorch_cpu.so");
        if (string.IsNullOrWhiteSpace(libtorchDirectory))
        {
            return bundled is not null ? new NativeTorchPlan([])
                : throw new NativeTorchException($"no libtorch found beside {appDirectory}: {Advice}");
        }

        var directory = Path.GetFullPath(libtorchDirectory);
        if (!Directory.Exists(directory))
            throw new NativeTorchException($"{DirectoryVariable}={libtorchDirectory} does not exist; point it at a folder holding libtorch_cpu.so (a PyTorch install's torch/lib)");
        var missing = Required.Where(name => !File.Exists(Path.Combine(directory, name))).ToList();
        if (missing.Count > 0)
            throw new NativeTorchException($"{DirectoryVariable}={libtorchDirectory} has no {string.Join(", ", missing)}; point it at a PyTorch install's torch/lib");
        // Two copies of libtorch in one process register the same operators twice and abort: a build that
        // bundles its own libtorch can only be pointed at that same folder.
        if (bundled is not null && !SameDirectory(bundled, directory))
            throw new NativeTorchException($"{DirectoryVariable} is set but this build bundles libtorch in {bundled}; unset {DirectoryVariable} or use the build without libtorch (./build.sh publish-gpu)");

        var bridge = BundledNativeDirectory(appDirectory, Bridge)
            ?? throw new NativeTorchException($"{Bridge} (TorchSharp's native bridge) is missing beside {appDirectory}; reference the TorchSharp package or publish with ./build.sh publish-gpu");
        var libraries = TorchLibraries.Select(name => Path.Combine(directory, name)).Where(File.Exists).ToList();
        libraries.Add(Path.Combine(bridge, Bridge));
        return new NativeTorchPlan(libraries);
    }

    /// <summary>The folder beside the app that holds <paramref name="file"/>: the app folder itself
    /// (RID-specific publish) or runtimes/linux-x64/native (plain build output).</summary>
    private static string? BundledNativeDirectory(string appDirectory, string file) =>
        new[] { appDirectory, Path.Combine(appDirectory, "runtimes", "linux-x64", "native") }
            .Select(Path.GetFullPath)
            .FirstOrDefault(folder => File.Exists(Path.Combine(folder, file)));

    private static bool SameDirectory(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Resolve(a)), Path.TrimEndingDirectorySeparator(Resolve(b)), StringComparison.Ordinal);

    private static string Resolve(string directory)
    {
        var info = new DirectoryInfo(directory);
        return info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName : info.FullName;
    }
}
