using System.Runtime.CompilerServices;

namespace MoT.Training.Tests;

/// <summary>Token caches and prepared data of these tests go to a temp folder, never the user's ~/.cache/mot.</summary>
internal static class TestDataDirectory
{
    public static string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mot-data-tests", "data-dir");

    [ModuleInitializer]
    internal static void Use() => Environment.SetEnvironmentVariable(MoT.Training.Data.DataDirectory.EnvironmentVariable, Path);
}
