# bash completion for concur: commands, each command's options, and the values of those that
# take a fixed set (modes, start methods, counter levels, formats). The options and the mode
# names come from concur itself (its help texts, its mode table), so they stay in step with it.
# Installed by `make install` into share/bash-completion/completions/concur.

_concur_commands="run classify topology counters compare report help"

# The long and short options of one command, from `concur help COMMAND`.
_concur_options()
{
    "${1:-concur}" help "$2" 2>/dev/null | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' |
        tr -d ' ,' | sort -u
}

# The mode names, from concur's own mode table (the message of an unknown mode lists them).
_concur_modes()
{
    "${1:-concur}" run --modes '?' x 2>&1 | sed -n 's/.*(expected \(.*\)).*/\1/p' | tr -d ','
}

_concur()
{
    local cur prev cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    local bin=${COMP_WORDS[0]}
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        mapfile -t COMPREPLY < <(compgen -W "$_concur_commands --help --version" -- "$cur")
        return
    fi
    cmd=${COMP_WORDS[1]}
    # After --program the words are the program's: its script, then files.
    for ((i = 2; i < COMP_CWORD; i++)); do
        if [ "${COMP_WORDS[i]}" = "--program" ]; then
            if [ $((i + 1)) -eq "$COMP_CWORD" ]; then
                mapfile -t COMPREPLY < <(compgen -f -X '!*.py' -- "$cur"; compgen -d -- "$cur"
                                         compgen -W "-m" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            fi
            return
        fi
    done
    case "$prev" in
        -m|--modes)
            # A comma-separated list: complete the last name.
            local head=${cur%,*} last=${cur##*,} m
            [ "$head" = "$cur" ] && head="" || head="$head,"
            for m in $(_concur_modes "$bin"); do
                [[ $m == "$last"* ]] && COMPREPLY+=("$head$m")
            done
            return ;;
        -s|--start-method)
            mapfile -t COMPREPLY < <(compgen -W "fork spawn forkserver" -- "$cur"); return ;;
        --loop)
            mapfile -t COMPREPLY < <(compgen -W "asyncio uvloop" -- "$cur"); return ;;
        --counters)
            mapfile -t COMPREPLY < <(compgen -W "auto hardware software kernel" -- "$cur"); return ;;
        --sample)
            mapfile -t COMPREPLY < <(compgen -W "all auto" -- "$cur"); return ;;
        --format)
            if [ "$cmd" = compare ]; then
                mapfile -t COMPREPLY < <(compgen -W "text md json" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W "md html terminal" -- "$cur")
            fi
            return ;;
        -p|--python)
            mapfile -t COMPREPLY < <(compgen -c -- "$cur"; compgen -f -- "$cur"); return ;;
        -o|--out)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
        --stdin)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        -w|--workers|-n|--tasks|-r|--repeat|--precision|--max-repeat|--budget|--chunksize|\
        -t|--timeout|--target-cores|--target-topology|--synthetic|--threshold|--alpha)
            return ;;
    esac
    if [ "$cmd" = help ]; then
        mapfile -t COMPREPLY < <(compgen -W "$_concur_commands" -- "$cur")
        return
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_concur_options "$bin" "$cmd")" -- "$cur")
        return
    fi
    case "$cmd" in
        run|classify)
            mapfile -t COMPREPLY < <(compgen -f -X '!*.py' -- "$cur"; compgen -d -- "$cur") ;;
        compare|report)
            mapfile -t COMPREPLY < <(compgen -f -X '!*.json' -- "$cur"; compgen -d -- "$cur") ;;
    esac
}
complete -o filenames -F _concur concur
