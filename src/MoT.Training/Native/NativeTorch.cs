using System.Runtime.InteropServices;

namespace MoT.Training.Native;

/// <summary>
/// Loads libtorch before TorchSharp's own loader runs, so one build without a libtorch package (the GPU
/// publish) runs on any Linux host with libtorch, e.g. a PyTorch install:
/// <c>MOT_LIBTORCH_DIR=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib</c>.
/// The libraries are dlopen'ed by full path in dependency order, then TorchSharp's bridge from the app
/// folder; TorchSharp's later loads by name then bind to these already-loaded sonames. Without the
/// variable the bundled package is used and only its presence is checked (a clear error beats
/// TorchSharp's multi-page load trace). Call once at start-up, before any torch use.
/// </summary>
public static class NativeTorch
{
    private static readonly Lock Gate = new();
    private static bool _loaded;

    /// <summary>Loads per <see cref="NativeTorchPlan.DirectoryVariable"/>; throws <see cref="NativeTorchException"/>.</summary>
    public static void Load()
    {
        lock (Gate)
        {
            if (_loaded) return;
            var directory = Environment.GetEnvironmentVariable(NativeTorchPlan.DirectoryVariable);
            if (!OperatingSystem.IsLinux())
            {
                if (!string.IsNullOrWhiteSpace(directory))
                    throw new NativeTorchException($"{NativeTorchPlan.DirectoryVariable} is supported on Linux only");
                _loaded = true;
                return;
            }
            var plan = NativeTorchPlan.For(directory, AppContext.BaseDirectory);
            if (plan.Libraries.Count > 0)
            {
                // Child processes (and anything that reads it) find the same folder; this process's own
                // loader read LD_LIBRARY_PATH at start-up, hence the explicit loads below.
                var existing = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
                Environment.SetEnvironmentVariable("LD_LIBRARY_PATH",
                    string.IsNullOrEmpty(existing) ? Path.GetFullPath(directory!) : $"{Path.GetFullPath(directory!)}:{existing}");
            }
            foreach (var library in plan.Libraries)
            {
                try
                {
                    NativeLibrary.Load(library);
                }
                catch (DllNotFoundException error)
                {
                    throw new NativeTorchException($"could not load {library}: {FirstLine(error.Message)}");
                }
            }
            _loaded = true;
        }
    }

    /// <summary><see cref="Load"/> for hosts: null when loaded, else the one-line reason.</summary>
    public static string? TryLoad()
    {
        try
        {
            Load();
            return null;
        }
        catch (NativeTorchException error)
        {
            return error.Message;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
