namespace MoT.Training.Data;

/// <summary>
/// Where the platform keeps data it derives or fetches: <c>$MOT_DATA_DIR</c>, else <c>~/.cache/mot</c>. Prepared
/// corpora live under <c>corpora/</c>, token caches under <c>token-cache/</c>; nothing is ever written beside a
/// user's own data.
/// </summary>
public static class DataDirectory
{
    /// <summary>The environment variable that moves the data directory.</summary>
    public const string EnvironmentVariable = "MOT_DATA_DIR";

    /// <summary>The data directory now (the variable is read on every call).</summary>
    public static string Root => Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable),
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>The data directory for a given <c>MOT_DATA_DIR</c> value and home folder.</summary>
    public static string Resolve(string? variable, string home) =>
        string.IsNullOrWhiteSpace(variable) ? Path.Combine(home, ".cache", "mot") : Path.GetFullPath(variable);
}
