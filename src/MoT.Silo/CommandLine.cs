namespace MoT.Silo;

/// <summary>Maps the silo's own flags onto configuration keys; everything else passes through unchanged.</summary>
public static class CommandLine
{
    public static string[] ToConfigurationArgs(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--role" when i + 1 < args.Length:
                    result.Add($"--{SiloHostOptions.Section}:{nameof(SiloHostOptions.Role)}={args[++i].ToLowerInvariant()}");
                    break;
                case "--bench" when i + 1 < args.Length:
                    result.Add($"--{SiloHostOptions.Section}:{nameof(SiloHostOptions.Bench)}={args[++i]}");
                    break;
                case "--demo":
                    result.Add($"--{SiloHostOptions.Section}:{nameof(SiloHostOptions.Demo)}=true");
                    break;
                case "--simulate":
                    result.Add($"--{SiloHostOptions.Section}:{nameof(SiloHostOptions.Simulate)}=true");
                    break;
                default:
                    result.Add(args[i]);
                    break;
            }
        }

        return [.. result];
    }
}
